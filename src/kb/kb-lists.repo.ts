import type { Knex } from 'knex';

export type KbListed = {
  articleId: number;
  categoryId: number;
  pinned: boolean;
  updatedAt: number;
  views: number;
  title: string;
  slug: string;
  language: string;
};
export type KbListOrder = 'popular' | 'latest' | 'category';

/** Published articles of the given categories, one page in the wanted order (titles fetched separately). */
export async function listKbArticleIds(
  db: Knex,
  categoryIds: number[],
  order: KbListOrder,
  limit: number,
  offset = 0,
  exceptId?: number,
): Promise<Array<{ id: number; categoryId: number; pinned: boolean; updatedAt: number; views: number }>> {
  if (!categoryIds.length) return [];
  const q = db('kb_articles as a')
    .join('kb_article_stats as s', 's.article_id', 'a.id')
    .where('a.status', 'published')
    .whereIn('a.category_id', categoryIds);
  if (exceptId !== undefined) q.whereNot('a.id', exceptId);
  if (order === 'popular')
    q.orderBy([
      { column: 's.views', order: 'desc' },
      { column: 'a.id', order: 'desc' },
    ]);
  else if (order === 'latest')
    q.orderBy([
      { column: 'a.updated_at', order: 'desc' },
      { column: 'a.id', order: 'desc' },
    ]);
  else q.orderBy([{ column: 'a.pinned', order: 'desc' }, { column: 'a.position' }, { column: 'a.id' }]);
  const rows = await q
    .limit(limit)
    .offset(offset)
    .select('a.id', 'a.category_id', 'a.pinned', 'a.updated_at', 's.views');
  return rows.map((r: Record<string, unknown>) => ({
    id: Number(r.id),
    categoryId: Number(r.category_id),
    pinned: Boolean(r.pinned),
    updatedAt: Number(r.updated_at),
    views: Number(r.views),
  }));
}

/** How many published articles the given categories hold, per category. */
export async function countKbArticlesByCategory(db: Knex, categoryIds: number[]): Promise<Map<number, number>> {
  if (!categoryIds.length) return new Map();
  const rows = await db('kb_articles')
    .where('status', 'published')
    .whereIn('category_id', categoryIds)
    .groupBy('category_id')
    .select('category_id')
    .count<Array<{ category_id: number; n: number | string }>>({ n: '*' });
  return new Map(rows.map((r) => [Number(r.category_id), Number(r.n)]));
}

/**
 * The title and slug of each article in the first of the languages it has (the visitor's, then
 * the default); with `publishedIn`, only of the articles published in one of those categories.
 */
export async function kbTitlesOf(
  db: Knex,
  articleIds: number[],
  languages: string[],
  publishedIn?: number[],
): Promise<Map<number, { title: string; slug: string; language: string }>> {
  if (!articleIds.length || publishedIn?.length === 0) return new Map();
  const q = db('kb_article_versions as v').whereIn('v.article_id', articleIds).whereIn('v.language', languages);
  if (publishedIn)
    q.join('kb_articles as a', 'a.id', 'v.article_id')
      .where('a.status', 'published')
      .whereIn('a.category_id', publishedIn);
  const rows = await q.select('v.article_id', 'v.language', 'v.title', 'v.slug');
  const found = new Map<number, { title: string; slug: string; language: string }>();
  for (const r of rows.sort((a, b) => languages.indexOf(String(b.language)) - languages.indexOf(String(a.language))))
    found.set(Number(r.article_id), { title: String(r.title), slug: String(r.slug), language: String(r.language) });
  return found;
}

export type KbStaffRow = {
  id: number;
  categoryId: number;
  status: string;
  pinned: boolean;
  updatedAt: number;
  views: number;
  helpful: number;
  unhelpful: number;
  languages: string[];
};

/** Every article for the staff list, latest change first, one page, with its languages. */
export async function listKbArticlesForStaff(db: Knex, limit: number, offset: number): Promise<KbStaffRow[]> {
  const rows = await db('kb_articles as a')
    .leftJoin('kb_article_stats as s', 's.article_id', 'a.id')
    .orderBy([
      { column: 'a.updated_at', order: 'desc' },
      { column: 'a.id', order: 'desc' },
    ])
    .limit(limit)
    .offset(offset)
    .select('a.id', 'a.category_id', 'a.status', 'a.pinned', 'a.updated_at', 's.views', 's.helpful', 's.unhelpful');
  const ids = rows.map((r: Record<string, unknown>) => Number(r.id));
  const langs = ids.length
    ? await db('kb_article_versions').whereIn('article_id', ids).select('article_id', 'language')
    : [];
  return rows.map((r: Record<string, unknown>) => ({
    id: Number(r.id),
    categoryId: Number(r.category_id),
    status: String(r.status),
    pinned: Boolean(r.pinned),
    updatedAt: Number(r.updated_at),
    views: Number(r.views ?? 0),
    helpful: Number(r.helpful ?? 0),
    unhelpful: Number(r.unhelpful ?? 0),
    languages: langs
      .filter((l: Record<string, unknown>) => Number(l.article_id) === Number(r.id))
      .map((l: Record<string, unknown>) => String(l.language))
      .sort(),
  }));
}
