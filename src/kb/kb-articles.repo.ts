import type { Knex } from 'knex';
import { lockedForUpdate } from '../db/dialect';
import { kbSearchTextColumn } from '../db/fulltext';
import { upsertAdding } from '../db/upsert-add';
import { insertReturningId } from '../db/insert';
import { bumpKbRevision } from './kb-categories.repo';
import { kbHtmlRevision, renderKbMarkdown } from './kb-markdown';
import { kbSearchText } from './kb-search-text';
import type { KbStatus } from './kb.schema';

export type KbArticle = {
  id: number;
  categoryId: number;
  status: KbStatus;
  pinned: boolean;
  position: number;
  createdAt: number;
  updatedAt: number;
  revision: number;
};
export type KbVersion = {
  id: number;
  articleId: number;
  language: string;
  title: string;
  slug: string;
  keywords: string;
  body: string;
  updatedAt: number;
  html: string | null;
  htmlRevision: number;
  related: number[] | null;
  relatedAt: number;
};
export type KbStats = { views: number; helpful: number; unhelpful: number };

const toArticle = (r: Record<string, unknown>): KbArticle => ({
  id: Number(r.id),
  categoryId: Number(r.category_id),
  status: String(r.status) as KbStatus,
  pinned: Boolean(r.pinned),
  position: Number(r.position),
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
  revision: Number(r.revision ?? 0),
});
const toVersion = (r: Record<string, unknown>): KbVersion => ({
  id: Number(r.id),
  articleId: Number(r.article_id),
  language: String(r.language),
  title: String(r.title),
  slug: String(r.slug),
  keywords: String(r.keywords),
  body: String(r.body),
  updatedAt: Number(r.updated_at),
  html: r.html == null ? null : String(r.html),
  htmlRevision: Number(r.html_revision ?? 0),
  related: r.related == null ? null : String(r.related).split(',').filter(Boolean).map(Number),
  relatedAt: Number(r.related_at ?? 0),
});
const articleColumns = ['id', 'category_id', 'status', 'pinned', 'position', 'created_at', 'updated_at', 'revision'];
const versionColumns = [
  'id',
  'article_id',
  'language',
  'title',
  'slug',
  'keywords',
  'body',
  'updated_at',
  'html',
  'html_revision',
  'related',
  'related_at',
];

export async function findKbArticle(db: Knex, id: number): Promise<KbArticle | undefined> {
  const row = await db('kb_articles').where({ id }).first(articleColumns);
  return row ? toArticle(row) : undefined;
}

/** Locks an article's row until the transaction ends; false when there is none. */
export async function lockKbArticle(trx: Knex, id: number): Promise<boolean> {
  return Boolean(await lockedForUpdate(trx, trx('kb_articles').where({ id }).first('id')));
}

/** An article and its counters, in one query (the article page shows both). */
export async function findKbArticleWithStats(
  db: Knex,
  id: number,
): Promise<{ article: KbArticle; stats: KbStats } | undefined> {
  const row = await db('kb_articles as a')
    .leftJoin('kb_article_stats as s', 's.article_id', 'a.id')
    .where('a.id', id)
    .first(...articleColumns.map((c) => `a.${c}`), 's.views', 's.helpful', 's.unhelpful');
  return row
    ? {
        article: toArticle(row),
        stats: {
          views: Number(row.views ?? 0),
          helpful: Number(row.helpful ?? 0),
          unhelpful: Number(row.unhelpful ?? 0),
        },
      }
    : undefined;
}

export async function kbVersionsOf(db: Knex, articleId: number): Promise<KbVersion[]> {
  const rows = await db('kb_article_versions')
    .where({ article_id: articleId })
    .orderBy('language')
    .select(versionColumns);
  return rows.map(toVersion);
}

export type KbArticleRow = { categoryId: number; status: KbStatus; pinned: boolean; position: number };
export type KbVersionRow = { language: string; title: string; slug: string; keywords: string; body: string };

/** A new article with its first version and its counters (one transaction: the caller's). */
export async function insertKbArticle(
  db: Knex,
  a: KbArticleRow,
  v: KbVersionRow,
  staffId: number | null,
  now: number,
  submissionKey: string | null = null,
): Promise<number> {
  const id = await insertReturningId(db, 'kb_articles', {
    category_id: a.categoryId,
    status: a.status,
    pinned: a.pinned,
    position: a.position,
    created_by: staffId,
    updated_by: staffId,
    submission_key: submissionKey,
    created_at: now,
    updated_at: now,
  });
  await db('kb_article_stats').insert({ article_id: id, views: 0, helpful: 0, unhelpful: 0 });
  await upsertKbVersion(db, id, v, now);
  return id;
}

/**
 * Changes an article and counts a new revision. With `expected`, only if the article is still at
 * that revision (the one the editor's form was loaded with): false when someone saved meanwhile.
 */
export async function updateKbArticle(
  db: Knex,
  id: number,
  a: KbArticleRow,
  now: number,
  by: { staffId: number | null; expected: number | null },
): Promise<boolean> {
  const q = db('kb_articles').where({ id });
  if (by.expected !== null) q.where('revision', by.expected);
  const changed = await q.update({
    category_id: a.categoryId,
    status: a.status,
    pinned: a.pinned,
    position: a.position,
    updated_at: now,
    updated_by: by.staffId,
    revision: db.raw('revision + 1'),
  });
  if (changed > 0) await bumpKbRevision(db, 'articles');
  return changed > 0;
}

/** Who saved an article last, and when (for the "changed meanwhile" page). */
export async function kbArticleLastChange(
  db: Knex,
  id: number,
): Promise<{ revision: number; at: number; by: string | null } | undefined> {
  const row = await db('kb_articles as a')
    .leftJoin('staff_users as s', 's.id', 'a.updated_by')
    .where('a.id', id)
    .first('a.revision', 'a.updated_at', 's.name');
  return row
    ? { revision: Number(row.revision), at: Number(row.updated_at), by: row.name == null ? null : String(row.name) }
    : undefined;
}

/** The article a creating form's one-time key stored, and who stored it. */
export async function findKbArticleBySubmissionKey(
  db: Knex,
  key: string,
): Promise<{ id: number; createdBy: number | null } | undefined> {
  const row = await db('kb_articles').where({ submission_key: key }).first('id', 'created_by');
  return row ? { id: Number(row.id), createdBy: row.created_by == null ? null : Number(row.created_by) } : undefined;
}

/**
 * Writes one language's version of an article (the unique key makes a second writer update) with
 * its rendered HTML. Its words reach the vocabulary after the commit (kb-upkeep.service.ts).
 */
export async function upsertKbVersion(db: Knex, articleId: number, v: KbVersionRow, now: number): Promise<void> {
  const fields = {
    title: v.title,
    slug: v.slug,
    keywords: v.keywords,
    body: v.body,
    html: renderKbMarkdown(v.body),
    html_revision: kbHtmlRevision,
    related: null,
    related_at: 0,
    ...kbSearchTextColumn(db, () => kbSearchText(v)),
    updated_at: now,
  };
  const changed = await db('kb_article_versions').where({ article_id: articleId, language: v.language }).update(fields);
  if (!changed) await db('kb_article_versions').insert({ article_id: articleId, language: v.language, ...fields });
  await db('kb_articles').where({ id: articleId }).update({ updated_at: now });
  await bumpKbRevision(db, 'articles');
}

/** A version's related articles as found now (one autocommit statement; see kb-related.service). */
export async function storeKbRelated(db: Knex, versionId: number, ids: number[], now: number): Promise<void> {
  await db('kb_article_versions')
    .where({ id: versionId })
    .update({ related: ids.join(','), related_at: now });
}

/** Removes one language's version; the article counts as changed at `stamp` (its vocabulary follows). */
export async function deleteKbVersion(db: Knex, articleId: number, language: string, stamp: number): Promise<void> {
  await db('kb_article_versions').where({ article_id: articleId, language }).del();
  await db('kb_articles').where({ id: articleId }).update({ updated_at: stamp });
  await bumpKbRevision(db, 'articles');
}

/** A version whose stored HTML is stale, with what its save stamped it with (storeKbHtml's guard). */
export type StaleKbHtml = { id: number; body: string; updatedAt: number; revision: number };

/** Up to `limit` versions after id `after` whose HTML was not stored under the rules `revision` (both sides of the html_revision index). */
export async function staleKbHtmlVersions(
  db: Knex,
  revision: number,
  after: number,
  limit: number,
): Promise<StaleKbHtml[]> {
  const rows = await db('kb_article_versions')
    .where((w) => w.where('html_revision', '<', revision).orWhere('html_revision', '>', revision))
    .andWhere('id', '>', after)
    .orderBy('id')
    .limit(limit)
    .select('id', 'body', 'updated_at', 'html_revision');
  return rows.map((r: Record<string, unknown>) => ({
    id: Number(r.id),
    body: String(r.body),
    updatedAt: Number(r.updated_at),
    revision: Number(r.html_revision),
  }));
}

/**
 * Stores a version's HTML, only while the row is still as it was read (one autocommit statement):
 * every save stamps updated_at and the current html_revision, so comparing those two small
 * columns tells a save that came meanwhile (never the body: MB-sized, and MariaDB's collation
 * would call two bodies differing in case or trailing spaces equal).
 */
export async function storeKbHtml(
  db: Knex,
  read: Pick<StaleKbHtml, 'id' | 'updatedAt' | 'revision'>,
  html: string,
  revision: number,
): Promise<boolean> {
  return (
    (await db('kb_article_versions')
      .where({ id: read.id, updated_at: read.updatedAt, html_revision: read.revision })
      .update({ html, html_revision: revision })) === 1
  );
}

export async function deleteKbArticle(db: Knex, id: number): Promise<void> {
  await db('kb_articles').where({ id }).del();
  await bumpKbRevision(db, 'articles');
}

/** One view: a single autocommit statement on the article's narrow counter row. */
export async function countKbView(db: Knex, articleId: number): Promise<void> {
  await db('kb_article_stats').where({ article_id: articleId }).increment('views', 1);
}

/** A UTC day as days since 1970-01-01: the key of the per-day counters. */
export const kbDayOf = (time: number) => Math.floor(time / 86_400_000);

/**
 * Adds to an article's counters of one day (a view, a vote) in one upsert: a view's on its own
 * (autocommit, one small row's lock for one statement), a vote's inside the vote's transaction.
 */
export async function countKbDay(
  db: Knex,
  articleId: number,
  now: number,
  what: 'views' | 'helpful' | 'not_helpful',
): Promise<void> {
  await upsertAdding(db, 'kb_article_daily', { article_id: articleId, day: kbDayOf(now) }, { [what]: 1 }, [
    'views',
    'helpful',
    'not_helpful',
  ]);
}

/**
 * A visitor's vote and its counter, in the caller's transaction. The primary key refuses a
 * second vote of the same visitor (also from two tabs at once): the insert then fails and the
 * transaction with its counter update is rolled back.
 */
export async function recordKbVote(
  trx: Knex.Transaction,
  articleId: number,
  voter: string,
  helpful: boolean,
  now: number,
): Promise<void> {
  await trx('kb_votes').insert({ article_id: articleId, voter, helpful, voted_at: now });
  await trx('kb_article_stats')
    .where({ article_id: articleId })
    .increment(helpful ? 'helpful' : 'unhelpful', 1);
}

export async function hasKbVote(db: Knex, articleId: number, voter: string): Promise<boolean> {
  return Boolean(await db('kb_votes').where({ article_id: articleId, voter }).first('article_id'));
}
