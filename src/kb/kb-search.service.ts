import type { Db } from '../db/db';
import type { KbMatchMode } from '../db/fulltext';
import { listKbCategories } from './kb-categories.repo';
import { countKbVersions, logKbSearch, searchKbVersions, type KbHit, type KbScope } from './kb-search.repo';
import { highlightedTitle, kbSearchWords, snippetHtml } from './kb-search-text';
import { publicCategoryIds } from './kb-visibility';

export type KbSearchResult = { articleId: number; language: string; slug: string; titleHtml: string; snippetHtml: string; updatedAt: number };
export type KbSearchPage = { query: string; words: string[]; total: number; capped: boolean; results: KbSearchResult[]; mode: KbMatchMode };

export const kbCountCap = 1000;

/** What a customer's search may find: published articles in public categories. */
export async function customerScope(db: Db, language: string, fallbackLanguage: string): Promise<KbScope> {
  return { categoryIds: publicCategoryIds(await listKbCategories(db)), statuses: ['published'], language, fallbackLanguage };
}

/**
 * One page of a search, best first, with highlighted titles and snippets (escaped HTML). When
 * no article has every word, the articles with any of them are offered instead (a mistyped or
 * extra word then still finds something).
 */
export async function searchKb(db: Db, scope: KbScope, query: string, page: { limit: number; offset: number }): Promise<KbSearchPage> {
  const words = kbSearchWords(query);
  let mode: KbMatchMode = 'all';
  let total = await countKbVersions(db, scope, words, mode, kbCountCap + 1);
  if (total === 0 && words.length > 1) {
    mode = 'any';
    total = await countKbVersions(db, scope, words, mode, kbCountCap + 1);
  }
  const hits = total ? await searchKbVersions(db, scope, words, mode, page.limit, page.offset) : [];
  return { query, words, mode, total: Math.min(total, kbCountCap), capped: total > kbCountCap, results: hits.map((h) => resultOf(h, words)) };
}

/**
 * The best few matches and no count: suggestions while typing and an article's related ones
 * need no total, so they skip the counting query a search page makes. Falls back to "any word"
 * as searchKb does.
 */
export async function topKbMatches(db: Db, scope: KbScope, query: string, limit: number, firstMode: KbMatchMode = 'all'): Promise<KbSearchResult[]> {
  const words = kbSearchWords(query);
  let hits = await searchKbVersions(db, scope, words, firstMode, limit, 0);
  if (!hits.length && words.length > 1 && firstMode === 'all') hits = await searchKbVersions(db, scope, words, 'any', limit, 0);
  return hits.map((h) => resultOf(h, words));
}

const resultOf = (h: KbHit, words: string[]): KbSearchResult => ({ articleId: h.articleId, language: h.language, slug: h.slug, titleHtml: highlightedTitle(h.title, words), snippetHtml: snippetHtml(h.body, words), updatedAt: h.updatedAt });

/** A search a customer made, kept for the owner's numbers. */
export async function recordKbSearch(db: Db, query: string, language: string, resultCount: number, now: number): Promise<void> {
  if (kbSearchWords(query).length) await logKbSearch(db, query.trim(), language, resultCount, now);
}
