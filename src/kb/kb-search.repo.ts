import type { Knex } from 'knex';
import { kbVersionMatch, type KbMatchMode } from '../db/fulltext';

/** Which versions a search may find: published articles of the given categories, in a language. */
export type KbScope = {
  categoryIds: number[];
  statuses: readonly string[];
  language: string;
  fallbackLanguage: string;
};
export type KbHit = {
  articleId: number;
  language: string;
  title: string;
  slug: string;
  body: string;
  updatedAt: number;
};

/**
 * The versions in scope: the visitor's language, and the default language's for articles that
 * have no version in the visitor's (one per article, so counts and pages are right).
 */
function scoped(db: Knex, scope: KbScope): Knex.QueryBuilder {
  const q = db('kb_article_versions as v')
    .join('kb_articles as a', 'a.id', 'v.article_id')
    .whereIn('a.status', [...scope.statuses])
    .whereIn('a.category_id', scope.categoryIds);
  if (scope.language === scope.fallbackLanguage) return q.where('v.language', scope.language);
  return q.where((w) =>
    w
      .where('v.language', scope.language)
      .orWhere((f) =>
        f
          .where('v.language', scope.fallbackLanguage)
          .whereNotExists((e) =>
            e
              .select(db.raw('1'))
              .from('kb_article_versions as own')
              .whereRaw('own.article_id = v.article_id')
              .where('own.language', scope.language),
          ),
      ),
  );
}

/**
 * One page of the matching versions' ids, best first. Only ids and the rank are sorted: the
 * engine then never carries every match's body through the sort (with 10,000 articles a common
 * word matches hundreds, an "any word" search thousands).
 */
export async function rankedKbVersions(
  db: Knex,
  scope: KbScope,
  words: string[],
  mode: KbMatchMode,
  limit: number,
  offset: number,
): Promise<Array<{ versionId: number; articleId: number }>> {
  if (!scope.categoryIds.length || !words.length) return [];
  const match = kbVersionMatch(db, words, mode);
  const q = scoped(db, scope).select('v.id', 'v.article_id', db.raw('? as score', [match.rank]));
  match.apply(q);
  const rows = await q
    .orderBy([
      { column: 'score', order: 'desc' },
      { column: 'v.article_id', order: 'asc' },
    ])
    .limit(limit)
    .offset(offset);
  return rows.map((r: Record<string, unknown>) => ({ versionId: Number(r.id), articleId: Number(r.article_id) }));
}

/** One page of the versions matching the words, best first, with their text. */
export async function searchKbVersions(
  db: Knex,
  scope: KbScope,
  words: string[],
  mode: KbMatchMode,
  limit: number,
  offset: number,
): Promise<KbHit[]> {
  const ranked = await rankedKbVersions(db, scope, words, mode, limit, offset);
  if (!ranked.length) return [];
  const rows = await db('kb_article_versions')
    .whereIn(
      'id',
      ranked.map((r) => r.versionId),
    )
    .select('id', 'article_id', 'language', 'title', 'slug', 'body', 'updated_at');
  const byId = new Map(rows.map((r: Record<string, unknown>) => [Number(r.id), r]));
  return ranked.flatMap(({ versionId }) => {
    const r = byId.get(versionId);
    return r
      ? [
          {
            articleId: Number(r.article_id),
            language: String(r.language),
            title: String(r.title),
            slug: String(r.slug),
            body: String(r.body),
            updatedAt: Number(r.updated_at),
          },
        ]
      : [];
  });
}

/** How many versions match, counted up to `cap` (a page says "1000+" beyond). */
export async function countKbVersions(
  db: Knex,
  scope: KbScope,
  words: string[],
  mode: KbMatchMode,
  cap: number,
): Promise<number> {
  if (!scope.categoryIds.length || !words.length) return 0;
  const match = kbVersionMatch(db, words, mode);
  const inner = scoped(db, scope).select('v.id');
  match.apply(inner);
  const row = await db.from(inner.limit(cap).as('m')).count<{ n: number | string }[]>({ n: '*' });
  return Number(row[0]?.n ?? 0);
}

/** A search as a line of the log the owner reads (the searches with no result are the articles to write). */
export async function logKbSearch(
  db: Knex,
  query: string,
  language: string,
  resultCount: number,
  now: number,
): Promise<void> {
  await db('kb_searches').insert({
    query: [...query].slice(0, 150).join(''),
    language,
    result_count: resultCount,
    searched_at: now,
  });
}

/** Removes logged searches made before a time, at most `batch` rows; returns how many went. */
export async function deleteKbSearchesBefore(db: Knex, before: number, batch: number): Promise<number> {
  const ids = (
    await db('kb_searches').where('searched_at', '<', before).orderBy('searched_at').limit(batch).select('id')
  ).map((r: { id: number | string }) => r.id);
  return ids.length ? db('kb_searches').whereIn('id', ids).del() : 0;
}
