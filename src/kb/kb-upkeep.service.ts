import type { Clock } from '../clock';
import type { Db } from '../db/db';
import { withTransaction } from '../db/transaction';
import { leasedRunBudgetMs, releaseJobLease, takeJobLease } from '../jobs/job-lease';
import { letRequestsIn } from '../jobs/yield';
import type { Logger } from '../logger';
import { findKbArticle, kbVersionsOf, staleKbHtmlVersions, storeKbHtml } from './kb-articles.repo';
import { kbCategoryTree } from './kb-category-cache';
import { kbCategoriesRevision, kbTermsStamp, markKbTermsCaughtUp } from './kb-categories.repo';
import { kbHtmlRevision, renderKbMarkdown } from './kb-markdown';
import { changeKbTerms, kbTermsOf, lockKbTermSource, staleKbTermArticles, storeKbTermSource } from './kb-terms.repo';

/**
 * Work the knowledge base does beside its saves, each step idempotent and safe to repeat: keeping
 * the typo vocabulary to what customers may read, and stored HTML to the renderer's current rules.
 * A save calls syncKbArticleTerms after its commit (never inside it: the vocabulary's shared rows
 * would stay locked for the whole save); the kb jobs catch up whatever a crash, a category
 * change or an upgrade left behind, a bounded batch per run.
 */

/**
 * Makes one article's part of the vocabulary what it holds now: the words of all its versions
 * while it is published in a category customers may see, none otherwise (a draft, a staff-only
 * category, a deleted article). Its old part is taken back and the new one counted in one
 * transaction, with the article's kb_term_sources row locked, so two syncs of it never count twice.
 */
export async function syncKbArticleTerms(db: Db, articleId: number): Promise<void> {
  // The revision before the tree: when the tree moves in between, the article is synced again.
  const categories = await kbCategoriesRevision(db);
  const visible = new Set((await kbCategoryTree(db)).visibleIds);
  await withTransaction(db, async (trx) => {
    const old = await lockKbTermSource(trx, articleId);
    const article = await findKbArticle(trx, articleId);
    if (article && old.articleUpdatedAt === article.updatedAt && old.categories === categories) return;
    const shown = article?.status === 'published' && visible.has(article.categoryId);
    const terms = new Set(
      shown ? (await kbVersionsOf(trx, articleId)).flatMap((v) => kbTermsOf(`${v.keywords} ${v.title} ${v.body}`)) : [],
    );
    const before = new Set(old.terms);
    await changeKbTerms(
      trx,
      [...terms].filter((t) => !before.has(t)),
      old.terms.filter((t) => !terms.has(t)),
    );
    await storeKbTermSource(
      trx,
      articleId,
      article ? { terms: [...terms].sort(), articleUpdatedAt: article.updatedAt, categories } : null,
    );
  });
}

/**
 * After a committed change of an article: its vocabulary now. A failure here does not undo the
 * saved change and is not the editor's error: it is logged, and the kb-terms job finds the article
 * stale and retries.
 */
export const afterKbArticleChange = (deps: { db: Db; logger: Logger }, articleId: number): Promise<void> =>
  syncKbArticleTerms(deps.db, articleId).catch((err: unknown) =>
    deps.logger.warn(
      { err, articleId },
      'the vocabulary of a saved article was not synced; the kb-terms job retries it',
    ),
  );

export type KbUpkeepDeps = { db: Db; clock: Clock; logger: Logger };
export type KbUpkeepOptions = { batch?: number; budgetMs?: number; holder?: string };
/** Rows per read; how long a run holds its job lease at most (a run ends after its budget, well before). */
export const kbUpkeepPolicy = { batch: 100, leaseMs: 60_000 };

/**
 * One kb job's run: under its lease in the database (web processes and cron never walk the same
 * rows at once), it reads stale ids after a cursor, a batch at a time, until a batch comes back
 * short or the run has spent its budget. A row whose step throws is logged and passed (the cursor
 * moves on, so it never holds up the rows after it in the run; the next run tries it again), and
 * the event loop gets a turn after each step (letRequestsIn). `caughtUp` runs when a run read to
 * the end with no step failing. Returns how many steps succeeded.
 */
async function walkStale<T extends { id: number }>(
  deps: KbUpkeepDeps,
  opts: KbUpkeepOptions,
  job: {
    name: string;
    read: (after: number, limit: number) => Promise<T[]>;
    step: (row: T) => Promise<unknown>;
    caughtUp?: () => Promise<unknown>;
  },
): Promise<number> {
  const batch = opts.batch ?? kbUpkeepPolicy.batch;
  if (!(await takeJobLease(deps.db, job.name, deps.clock.now(), kbUpkeepPolicy.leaseMs, opts.holder))) return 0;
  const started = Date.now();
  let after = 0;
  let done = 0;
  let failed = 0;
  try {
    for (;;) {
      const rows = await job.read(after, batch);
      for (const row of rows) {
        try {
          await job.step(row);
          done += 1;
        } catch (err) {
          failed += 1;
          deps.logger.error(
            { err, job: job.name, id: row.id },
            'kb job step failed; the run goes on, the next run tries it again',
          );
        }
        after = row.id;
        await letRequestsIn();
      }
      if (rows.length < batch) {
        if (failed === 0) await job.caughtUp?.();
        break;
      }
      if (Date.now() - started >= (opts.budgetMs ?? leasedRunBudgetMs)) break;
    }
  } finally {
    await releaseJobLease(deps.db, job.name, opts.holder);
  }
  return done;
}

/**
 * The kb-terms job: the articles whose vocabulary is stale (new, changed, moved, deleted, category
 * tree changed). Every article write and category change counts up kb_revision in its transaction;
 * when the counts are the ones the last clean sweep saw, the run ends after that one primary-key
 * read, without the two scans that find stale articles.
 */
export async function syncStaleKbTerms(deps: KbUpkeepDeps, opts: KbUpkeepOptions = {}): Promise<number> {
  const stamp = await kbTermsStamp(deps.db);
  if (stamp.caughtUp) return 0;
  return walkStale(deps, opts, {
    name: 'kb-terms',
    read: async (after, limit) =>
      (await staleKbTermArticles(deps.db, stamp.categories, after, limit)).map((id) => ({ id })),
    step: (row) => syncKbArticleTerms(deps.db, row.id),
    caughtUp: () => markKbTermsCaughtUp(deps.db, stamp),
  });
}

/**
 * The kb-html job: the versions whose stored HTML was made under other rules (an upgrade, a
 * changed allow-list, a row from before the HTML was stored), rendered and stored again; a
 * version saved meanwhile is left as its save stored it.
 */
export async function refreshStaleKbHtml(deps: KbUpkeepDeps, opts: KbUpkeepOptions = {}): Promise<number> {
  return walkStale(deps, opts, {
    name: 'kb-html',
    read: (after, limit) => staleKbHtmlVersions(deps.db, kbHtmlRevision, after, limit),
    step: (row) => storeKbHtml(deps.db, row, renderKbMarkdown(row.body), kbHtmlRevision),
  });
}
