import { createHmac } from 'node:crypto';
import type { Db } from '../db/db';
import { isUniqueViolation } from '../db/dialect';
import { retryOnConflict, withTransaction } from '../db/transaction';
import { NotFoundError } from '../errors';
import type { Logger } from '../logger';
import {
  countKbDay,
  countKbView,
  findKbArticleWithStats,
  kbVersionsOf,
  recordKbVote,
  hasKbVote,
  type KbStats,
  type KbVersion,
} from './kb-articles.repo';
import type { KbCategory } from './kb-categories.repo';
import { kbCategoryTree } from './kb-category-cache';
import { countKbArticlesByCategory, kbTitlesOf, listKbArticleIds, type KbListOrder } from './kb-lists.repo';
import { kbVersionHtml } from './kb-markdown';
import { kbRelatedIds } from './kb-related.service';
import { categoryName, categoryTrail } from './kb-visibility';

/** The visitor's language and the help desk's default, which every article is expected to have. */
export type KbReader = { language: string; fallbackLanguage: string };
export type KbLink = {
  id: number;
  title: string;
  slug: string;
  href: string;
  updatedAt: number;
  views: number;
  pinned: boolean;
};
export type KbCategoryLink = { id: number; name: string; href: string; articles: number };

export const kbArticleHref = (id: number, slug: string) => `/helpdesk/kb/${id}-${encodeURIComponent(slug)}`;
export const kbCategoryHref = (id: number) => `/helpdesk/kb/category/${id}`;
const languagesOf = (r: KbReader) => [r.language, r.fallbackLanguage];

/** The categories, and those customers may see (kept per process behind the tree's revision). */
const publicCategories = (db: Db) => kbCategoryTree(db);

/** Links to the given articles, in order; with `publishedIn`, only those still published in one of those categories. */
async function linksTo(
  db: Db,
  reader: KbReader,
  rows: Array<{ id: number; updatedAt: number; views: number; pinned: boolean }>,
  publishedIn?: number[],
): Promise<KbLink[]> {
  const titles = await kbTitlesOf(
    db,
    rows.map((r) => r.id),
    languagesOf(reader),
    publishedIn,
  );
  return rows.flatMap((r) => {
    const t = titles.get(r.id);
    return t
      ? [
          {
            id: r.id,
            title: t.title,
            slug: t.slug,
            href: kbArticleHref(r.id, t.slug),
            updatedAt: r.updatedAt,
            views: r.views,
            pinned: r.pinned,
          },
        ]
      : [];
  });
}

/** Links to categories, each with the number of articles in it and in the visible categories below it. */
async function categoryLinks(
  db: Db,
  reader: KbReader,
  categories: KbCategory[],
  visible: KbCategory[],
): Promise<KbCategoryLink[]> {
  const counts = await countKbArticlesByCategory(
    db,
    visible.map((c) => c.id),
  );
  const inTree = (id: number, seen = new Set<number>()): number => {
    if (seen.has(id)) return 0;
    seen.add(id);
    return (
      (counts.get(id) ?? 0) + visible.filter((c) => c.parentId === id).reduce((sum, c) => sum + inTree(c.id, seen), 0)
    );
  };
  return categories.map((c) => ({
    id: c.id,
    name: categoryName(c, reader.language),
    href: kbCategoryHref(c.id),
    articles: inTree(c.id),
  }));
}

/** The knowledge base's front page: the top categories, the most read and the latest articles. */
export async function kbHome(db: Db, reader: KbReader, listLength = 6) {
  const { visible } = await publicCategories(db);
  const ids = visible.map((c) => c.id);
  const [popular, latest, categories] = await Promise.all([
    listKbArticleIds(db, ids, 'popular', listLength).then((rows) => linksTo(db, reader, rows)),
    listKbArticleIds(db, ids, 'latest', listLength).then((rows) => linksTo(db, reader, rows)),
    categoryLinks(
      db,
      reader,
      visible.filter((c) => c.parentId === null),
      visible,
    ),
  ]);
  return { categories, popular, latest };
}

/** Links to the given articles in search order (titles in the reader's language). */
export const kbSuggestionLinks = (db: Db, reader: KbReader, ids: number[]) =>
  linksTo(
    db,
    reader,
    ids.map((id) => ({ id, updatedAt: 0, views: 0, pinned: false })),
  );

/** The most read articles, for the help desk's home page. */
export async function kbPopular(db: Db, reader: KbReader, limit: number): Promise<KbLink[]> {
  const { visible } = await publicCategories(db);
  return linksTo(
    db,
    reader,
    await listKbArticleIds(
      db,
      visible.map((c) => c.id),
      'popular',
      limit,
    ),
  );
}

/** The most articles one sitemap file may list (sitemaps.org). */
export const kbSitemapLimit = 50_000;

/**
 * Every article customers may read, latest change first, for search engines: published, in a
 * public category, in the help desk's language or the first it has. Titles are read a thousand
 * at a time (SQLite's limit on bound values).
 */
export async function kbSitemap(db: Db, reader: KbReader): Promise<KbLink[]> {
  const visibleIds = (await publicCategories(db)).visible.map((c) => c.id);
  const rows = await listKbArticleIds(db, visibleIds, 'latest', kbSitemapLimit);
  const links: KbLink[] = [];
  for (let i = 0; i < rows.length; i += 1000)
    links.push(...(await linksTo(db, reader, rows.slice(i, i + 1000), visibleIds)));
  return links;
}

/** A category a customer may see: its trail, its sub-categories and one page of its articles. */
export async function kbCategoryPage(db: Db, reader: KbReader, id: number, page: { perPage: number; page: number }) {
  const { all, visible } = await publicCategories(db);
  const category = visible.find((c) => c.id === id);
  if (!category) throw new NotFoundError();
  const order: KbListOrder = 'category';
  const [children, rows, counts] = await Promise.all([
    categoryLinks(
      db,
      reader,
      visible.filter((c) => c.parentId === id),
      visible,
    ),
    listKbArticleIds(db, [id], order, page.perPage + 1, (page.page - 1) * page.perPage),
    countKbArticlesByCategory(db, [id]),
  ]);
  return {
    category: { id, name: categoryName(category, reader.language) },
    trail: categoryTrail(all, id).map((c) => ({
      id: c.id,
      name: categoryName(c, reader.language),
      href: kbCategoryHref(c.id),
    })),
    children,
    articles: await linksTo(db, reader, rows.slice(0, page.perPage)),
    total: counts.get(id) ?? 0,
    hasNext: rows.length > page.perPage,
  };
}

export type KbArticleView = {
  id: number;
  version: KbVersion;
  html: string;
  trail: Array<{ id: number; name: string; href: string }>;
  stats: KbStats;
  related: KbLink[];
  href: string;
  /** True when the visitor's language has no version and the default one is shown. */
  fallback: boolean;
};

async function customerReadable(db: Db, id: number) {
  const found = Number.isSafeInteger(id) ? await findKbArticleWithStats(db, id) : undefined;
  const { all, visible } = await publicCategories(db);
  if (found?.article.status !== 'published' || !visible.some((c) => c.id === found.article.categoryId))
    throw new NotFoundError();
  return { ...found, all, visible };
}

/** Not found unless customers may read the article (published, in a public category). */
export async function assertKbArticleReadable(db: Db, id: number): Promise<void> {
  await customerReadable(db, id);
}

/**
 * A published article in a category the customer may see, in their language or the default
 * one; anything else (draft, private, staff-only category, unknown id) is not found.
 */
export async function kbArticleForCustomer(db: Db, reader: KbReader, id: number): Promise<KbArticleView> {
  const { article, stats, all, visible } = await customerReadable(db, id);
  const versions = await kbVersionsOf(db, id);
  const version =
    versions.find((v) => v.language === reader.language) ??
    versions.find((v) => v.language === reader.fallbackLanguage) ??
    versions[0];
  if (!version) throw new NotFoundError();
  const related = await relatedArticles(
    db,
    reader,
    version,
    article.categoryId,
    visible.map((c) => c.id),
  );
  return {
    id,
    version,
    html: kbVersionHtml(version),
    trail: categoryTrail(all, article.categoryId).map((c) => ({
      id: c.id,
      name: categoryName(c, reader.language),
      href: kbCategoryHref(c.id),
    })),
    stats,
    related,
    href: kbArticleHref(id, version.slug),
    fallback: version.language !== reader.language,
  };
}

/** Articles on the same subject: a search for its keywords (or title); else its category's others. */
async function relatedArticles(
  db: Db,
  reader: KbReader,
  version: KbVersion,
  categoryId: number,
  categoryIds: number[],
): Promise<KbLink[]> {
  const found = await kbRelatedIds(db, version, reader.fallbackLanguage, Date.now());
  // What became unpublished or hidden since the list was kept is left out by the titles' query itself.
  const links = found.length
    ? await linksTo(
        db,
        reader,
        found.map((a) => ({ id: a, updatedAt: 0, views: 0, pinned: false })),
        categoryIds,
      )
    : [];
  if (links.length) return links;
  return linksTo(db, reader, await listKbArticleIds(db, [categoryId], 'category', 5, 0, version.articleId));
}

/**
 * One view of an article by a customer (staff previews are not counted): the all-time counter
 * and the day's, each an autocommit statement of its own, sent at once on two connections (on
 * MariaDB each is a commit: side by side the page waits for one, not two; bench/kb-daily.ts).
 * Each is run again on a deadlock (an upsert that creates the day's row can deadlock in InnoDB
 * when views arrive together). A count that still fails is logged and dropped: a lost view is
 * worth less than the customer's page, which must not fail for it.
 */
export async function countKbArticleView(deps: { db: Db; logger: Logger }, id: number, now: number): Promise<void> {
  const counts = await Promise.allSettled([
    retryOnConflict(() => countKbView(deps.db, id)),
    retryOnConflict(() => countKbDay(deps.db, id, now, 'views')),
  ]);
  for (const [i, c] of counts.entries()) {
    if (c.status === 'rejected')
      deps.logger.warn(
        { err: c.reason, articleId: id, counter: i === 0 ? 'all-time' : 'daily' },
        'a knowledge-base view was not counted',
      );
  }
}

/** A visitor's anonymous voting identity: a keyed hash of what their forms are bound to. */
export const kbVoterOf = (secret: string, binding: string) =>
  createHmac('sha256', secret).update(`kb-vote:${binding}`).digest('hex');

export const kbVoted = (db: Db, id: number, voter: string) => hasKbVote(db, id, voter);

/**
 * A "was this helpful?" answer, once per visitor and article: false when this visitor had
 * answered already (the second answer changes nothing).
 */
export async function voteOnKbArticle(
  db: Db,
  id: number,
  voter: string,
  helpful: boolean,
  now: number,
): Promise<boolean> {
  await customerReadable(db, id);
  try {
    // The day's tally in the vote's own transaction: a vote is stored with it or not at all, so a
    // failure leaves nothing behind and the visitor's second try counts (it would say "already").
    await withTransaction(db, async (trx) => {
      await recordKbVote(trx, id, voter, helpful, now);
      await countKbDay(trx, id, now, helpful ? 'helpful' : 'not_helpful');
    });
  } catch (err) {
    if (isUniqueViolation(err)) return false;
    throw err;
  }
  return true;
}
