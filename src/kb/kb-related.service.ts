import type { Db } from '../db/db';
import { kbVersionsOf, storeKbRelated, type KbVersion } from './kb-articles.repo';
import { kbCategoryTree } from './kb-category-cache';
import { topKbMatchIds } from './kb-search.service';
import { kbSearchWords } from './kb-search-text';

/**
 * Related articles of a version: a search for its telling words, stored on the version row
 * (`related`, `related_at`) so a page view reads them with the version instead of searching
 * (the "any word" search is most of an article page's cost, ~4 ms CPU with 10,000 articles).
 * Found at the first view, and again at the first view once the list is a day old or the
 * version was edited (the save clears it). The list is searched as customers
 * see the knowledge base at that time, in the version's language; what became unpublished or
 * hidden since is filtered out on every view (kbTitlesOf `publishedIn`). An article published or
 * moved into sight later shows up in other articles' lists within a day.
 */
export const kbRelatedFreshMs = 24 * 3_600_000;

async function searchRelated(db: Db, version: KbVersion, fallbackLanguage: string): Promise<number[]> {
  const scope = {
    categoryIds: (await kbCategoryTree(db)).visibleIds,
    statuses: ['published'],
    language: version.language,
    fallbackLanguage,
  };
  // Short words ("an", "to") would match nearly everything as prefixes: only the telling ones are
  // asked for. An article's keywords, when it has a few, are its subject; a title's words are
  // often generic ("how", "configure", "problem") and OR-ing them in ranks thousands of rows.
  const telling = (text: string) => kbSearchWords(text).filter((w) => [...w].length >= 4);
  const keywords = telling(version.keywords);
  const words = keywords.length >= 2 ? keywords : [...keywords, ...telling(version.title)];
  return (await topKbMatchIds(db, scope, words.join(' '), 6, 'any')).filter((a) => a !== version.articleId).slice(0, 5);
}

/** The related article ids of a version: the stored ones while fresh, else searched and stored again. */
export async function kbRelatedIds(
  db: Db,
  version: KbVersion,
  fallbackLanguage: string,
  now: number,
): Promise<number[]> {
  if (version.related && version.relatedAt > now - kbRelatedFreshMs) return version.related;
  const ids = await searchRelated(db, version, fallbackLanguage);
  // Only a copy kept for the next views: a failed write leaves the search to the next one.
  await storeKbRelated(db, version.id, ids, now).catch(() => undefined);
  return ids;
}

/** Finds and stores the related lists of every version of an article now (what its first view would do). */
export async function refreshKbRelated(
  db: Db,
  articleId: number,
  fallbackLanguage: string,
  now: number,
): Promise<void> {
  for (const version of await kbVersionsOf(db, articleId))
    await storeKbRelated(db, version.id, await searchRelated(db, version, fallbackLanguage), now);
}
