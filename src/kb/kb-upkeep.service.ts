import type { Db } from '../db/db';
import { withTransaction } from '../db/transaction';
import { findKbArticle, kbVersionsOf, staleKbHtmlVersions, storeKbHtml } from './kb-articles.repo';
import { kbCategoryTree } from './kb-category-cache';
import { kbCategoriesRevision } from './kb-categories.repo';
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
    const terms = new Set(shown ? (await kbVersionsOf(trx, articleId)).flatMap((v) => kbTermsOf(`${v.keywords} ${v.title} ${v.body}`)) : []);
    const before = new Set(old.terms);
    await changeKbTerms(trx, [...terms].filter((t) => !before.has(t)), old.terms.filter((t) => !terms.has(t)));
    await storeKbTermSource(trx, articleId, article ? { terms: [...terms].sort(), articleUpdatedAt: article.updatedAt, categories } : null);
  });
}

/**
 * After a committed change of an article: its vocabulary now. A failure here does not undo the
 * saved change and is not the editor's error: the kb-terms job finds the article stale and retries.
 */
export const afterKbArticleChange = (db: Db, articleId: number): Promise<void> => syncKbArticleTerms(db, articleId).catch(() => undefined);

/** The kb-terms job: up to `batch` articles whose vocabulary is stale (new, changed, moved, deleted, category tree changed). */
export async function syncStaleKbTerms(db: Db, batch = 100): Promise<number> {
  const ids = await staleKbTermArticles(db, await kbCategoriesRevision(db), batch);
  for (const id of ids) await syncKbArticleTerms(db, id);
  return ids.length;
}

/**
 * The kb-html job: up to `batch` versions whose stored HTML was made under other rules (an
 * upgrade, a changed allow-list, a row from before the HTML was stored), rendered and stored
 * again; a version saved meanwhile is left as its save stored it.
 */
export async function refreshStaleKbHtml(db: Db, batch = 100): Promise<number> {
  const rows = await staleKbHtmlVersions(db, kbHtmlRevision, batch);
  for (const r of rows) await storeKbHtml(db, r.id, r.body, renderKbMarkdown(r.body), kbHtmlRevision);
  return rows.length;
}
