import { createHmac } from 'node:crypto';
import type { Db } from '../db/db';
import { isUniqueViolation } from '../db/dialect';
import { withTransaction } from '../db/transaction';
import { NotFoundError } from '../errors';
import { countKbDay, countKbView, findKbArticle, kbStatsOf, kbVersionsOf, recordKbVote, hasKbVote, type KbStats, type KbVersion } from './kb-articles.repo';
import { listKbCategories, type KbCategory } from './kb-categories.repo';
import { countKbArticlesByCategory, kbPublishedAmong, kbTitlesOf, listKbArticleIds, type KbListOrder } from './kb-lists.repo';
import { renderKbMarkdown } from './kb-markdown';
import { topKbMatchIds } from './kb-search.service';
import type { KbScope } from './kb-search.repo';
import { kbSearchWords } from './kb-search-text';
import { categoryName, categoryTrail, publicCategoryIds } from './kb-visibility';

/** The visitor's language and the help desk's default, which every article is expected to have. */
export type KbReader = { language: string; fallbackLanguage: string };
export type KbLink = { id: number; title: string; slug: string; href: string; updatedAt: number; views: number; pinned: boolean };
export type KbCategoryLink = { id: number; name: string; href: string; articles: number };

export const kbArticleHref = (id: number, slug: string) => `/helpdesk/kb/${id}-${encodeURIComponent(slug)}`;
export const kbCategoryHref = (id: number) => `/helpdesk/kb/category/${id}`;
const languagesOf = (r: KbReader) => [r.language, r.fallbackLanguage];

async function publicCategories(db: Db): Promise<{ all: KbCategory[]; visible: KbCategory[] }> {
  const all = await listKbCategories(db);
  const ids = new Set(publicCategoryIds(all));
  return { all, visible: all.filter((c) => ids.has(c.id)) };
}

async function linksTo(db: Db, reader: KbReader, rows: Array<{ id: number; updatedAt: number; views: number; pinned: boolean }>): Promise<KbLink[]> {
  const titles = await kbTitlesOf(db, rows.map((r) => r.id), languagesOf(reader));
  return rows.flatMap((r) => {
    const t = titles.get(r.id);
    return t ? [{ id: r.id, title: t.title, slug: t.slug, href: kbArticleHref(r.id, t.slug), updatedAt: r.updatedAt, views: r.views, pinned: r.pinned }] : [];
  });
}

/** Links to categories, each with the number of articles in it and in the visible categories below it. */
async function categoryLinks(db: Db, reader: KbReader, categories: KbCategory[], visible: KbCategory[]): Promise<KbCategoryLink[]> {
  const counts = await countKbArticlesByCategory(db, visible.map((c) => c.id));
  const inTree = (id: number, seen = new Set<number>()): number => {
    if (seen.has(id)) return 0;
    seen.add(id);
    return (counts.get(id) ?? 0) + visible.filter((c) => c.parentId === id).reduce((sum, c) => sum + inTree(c.id, seen), 0);
  };
  return categories.map((c) => ({ id: c.id, name: categoryName(c, reader.language), href: kbCategoryHref(c.id), articles: inTree(c.id) }));
}

/** The knowledge base's front page: the top categories, the most read and the latest articles. */
export async function kbHome(db: Db, reader: KbReader, listLength = 6) {
  const { visible } = await publicCategories(db);
  const ids = visible.map((c) => c.id);
  const [popular, latest, categories] = await Promise.all([
    listKbArticleIds(db, ids, 'popular', listLength).then((rows) => linksTo(db, reader, rows)),
    listKbArticleIds(db, ids, 'latest', listLength).then((rows) => linksTo(db, reader, rows)),
    categoryLinks(db, reader, visible.filter((c) => c.parentId === null), visible),
  ]);
  return { categories, popular, latest };
}

/** Links to the given articles in search order (titles in the reader's language). */
export const kbSuggestionLinks = (db: Db, reader: KbReader, ids: number[]) => linksTo(db, reader, ids.map((id) => ({ id, updatedAt: 0, views: 0, pinned: false })));

/** The most read articles, for the help desk's home page. */
export async function kbPopular(db: Db, reader: KbReader, limit: number): Promise<KbLink[]> {
  const { visible } = await publicCategories(db);
  return linksTo(db, reader, await listKbArticleIds(db, visible.map((c) => c.id), 'popular', limit));
}

/** A category a customer may see: its trail, its sub-categories and one page of its articles. */
export async function kbCategoryPage(db: Db, reader: KbReader, id: number, page: { perPage: number; page: number }) {
  const { all, visible } = await publicCategories(db);
  const category = visible.find((c) => c.id === id);
  if (!category) throw new NotFoundError();
  const order: KbListOrder = 'category';
  const [children, rows, counts] = await Promise.all([
    categoryLinks(db, reader, visible.filter((c) => c.parentId === id), visible),
    listKbArticleIds(db, [id], order, page.perPage + 1, (page.page - 1) * page.perPage),
    countKbArticlesByCategory(db, [id]),
  ]);
  return {
    category: { id, name: categoryName(category, reader.language) },
    trail: categoryTrail(all, id).map((c) => ({ id: c.id, name: categoryName(c, reader.language), href: kbCategoryHref(c.id) })),
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
  const article = Number.isSafeInteger(id) ? await findKbArticle(db, id) : undefined;
  const { all, visible } = await publicCategories(db);
  if (!article || article.status !== 'published' || !visible.some((c) => c.id === article.categoryId)) throw new NotFoundError();
  return { article, all, visible };
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
  const { article, all, visible } = await customerReadable(db, id);
  const versions = await kbVersionsOf(db, id);
  const version = versions.find((v) => v.language === reader.language) ?? versions.find((v) => v.language === reader.fallbackLanguage) ?? versions[0];
  if (!version) throw new NotFoundError();
  const [stats, related] = await Promise.all([kbStatsOf(db, id), relatedArticles(db, reader, version, article.categoryId, visible.map((c) => c.id))]);
  return {
    id,
    version,
    html: renderKbMarkdown(version.body),
    trail: categoryTrail(all, article.categoryId).map((c) => ({ id: c.id, name: categoryName(c, reader.language), href: kbCategoryHref(c.id) })),
    stats,
    related,
    href: kbArticleHref(id, version.slug),
    fallback: version.language !== reader.language,
  };
}

/**
 * Related articles found by search, per article version and reader language, kept for a few
 * minutes in this process: the "any word" search over an article's keywords and title is most
 * of an article page's cost (~12 ms CPU with 10,000 articles), and the list need not be fresher.
 * The key holds the version's updatedAt, so an edit of the article itself asks again; what
 * became unpublished or hidden meanwhile is filtered out on every page view (kbPublishedAmong).
 */
const relatedCache = new Map<string, { ids: number[]; until: number }>();
const relatedCacheMs = 5 * 60_000;
const relatedCacheSize = 5000;

async function relatedIds(db: Db, scope: KbScope, version: KbVersion, now: number): Promise<number[]> {
  const key = `${version.id}:${version.updatedAt}:${scope.language}:${scope.categoryIds.join(',')}`;
  const cached = relatedCache.get(key);
  if (cached && cached.until > now) return cached.ids;
  // Short words ("an", "to") would match nearly everything as prefixes: only the telling ones are
  // asked for. An article's keywords, when it has a few, are its subject; a title's words are
  // often generic ("how", "configure", "problem") and OR-ing them in ranks thousands of rows.
  const telling = (text: string) => kbSearchWords(text).filter((w) => [...w].length >= 4);
  const keywords = telling(version.keywords);
  const words = keywords.length >= 2 ? keywords : [...keywords, ...telling(version.title)];
  const ids = (await topKbMatchIds(db, scope, words.join(' '), 6, 'any')).filter((a) => a !== version.articleId).slice(0, 5);
  relatedCache.delete(key);
  if (relatedCache.size >= relatedCacheSize) relatedCache.delete(relatedCache.keys().next().value!);
  relatedCache.set(key, { ids, until: now + relatedCacheMs });
  return ids;
}

/** Articles on the same subject: a search for its keywords (or title); else its category's others. */
async function relatedArticles(db: Db, reader: KbReader, version: KbVersion, categoryId: number, categoryIds: number[]): Promise<KbLink[]> {
  const scope = { categoryIds, statuses: ['published'], language: reader.language, fallbackLanguage: reader.fallbackLanguage };
  const found = await relatedIds(db, scope, version, Date.now());
  const shown = await kbPublishedAmong(db, found, categoryIds);
  const ids = found.filter((id) => shown.has(id));
  if (ids.length) return linksTo(db, reader, ids.map((a) => ({ id: a, updatedAt: 0, views: 0, pinned: false })));
  return linksTo(db, reader, await listKbArticleIds(db, [categoryId], 'category', 5, 0, version.articleId));
}

/**
 * One view of an article by a customer (staff previews are not counted): the all-time counter
 * and the day's, each an autocommit statement of its own, sent at once on two connections (on
 * MariaDB each is a commit: side by side the page waits for one, not two; bench/kb-daily.ts).
 */
export async function countKbArticleView(db: Db, id: number, now: number): Promise<void> {
  await Promise.all([countKbView(db, id), countKbDay(db, id, now, 'views')]);
}

/** A visitor's anonymous voting identity: a keyed hash of what their forms are bound to. */
export const kbVoterOf = (secret: string, binding: string) => createHmac('sha256', secret).update(`kb-vote:${binding}`).digest('hex');

export const kbVoted = (db: Db, id: number, voter: string) => hasKbVote(db, id, voter);

/**
 * A "was this helpful?" answer, once per visitor and article: false when this visitor had
 * answered already (the second answer changes nothing).
 */
export async function voteOnKbArticle(db: Db, id: number, voter: string, helpful: boolean, now: number): Promise<boolean> {
  await customerReadable(db, id);
  try {
    await withTransaction(db, (trx) => recordKbVote(trx, id, voter, helpful, now));
  } catch (err) {
    if (isUniqueViolation(err)) return false;
    throw err;
  }
  // The day's tally after the vote's commit, a statement of its own (see countKbDay).
  await countKbDay(db, id, now, helpful ? 'helpful' : 'not_helpful');
  return true;
}
