import type { Db } from '../db/db';
import type { KbMatchMode } from '../db/fulltext';
import { hitWindowCounter } from '../db/window-counter';
import { TooManyRequestsError } from '../errors';
import { listKbCategories } from './kb-categories.repo';
import { countKbVersions, logKbSearch, rankedKbVersions, searchKbVersions, type KbHit, type KbScope } from './kb-search.repo';
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
 * Words an "any word" search may use: only those of 3 letters or more. A short word matched as
 * a prefix ("to", "in") is in nearly every article, and OR-ing it in would make the match set
 * the whole knowledge base.
 */
const anyModeWords = (words: string[]) => words.filter((w) => [...w].length >= 3);

/**
 * The words to ask for in a mode: "any" only when some word is long enough (see anyModeWords);
 * null when the mode has nothing to ask.
 */
function wordsFor(words: string[], mode: KbMatchMode): string[] | null {
  if (mode === 'all') return words.length ? words : null;
  const kept = anyModeWords(words);
  return kept.length ? kept : null;
}

/**
 * One page of a search, best first, with highlighted titles and snippets (escaped HTML). When
 * no article has every word, the articles with any of them are offered instead (a mistyped or
 * extra word then still finds something).
 */
export async function searchKb(db: Db, scope: KbScope, query: string, page: { limit: number; offset: number }): Promise<KbSearchPage> {
  const words = kbSearchWords(query);
  let mode: KbMatchMode = 'all';
  let asked = words;
  let total = await countKbVersions(db, scope, asked, mode, kbCountCap + 1);
  const anyWords = words.length > 1 ? wordsFor(words, 'any') : null;
  if (total === 0 && anyWords) {
    mode = 'any';
    asked = anyWords;
    total = await countKbVersions(db, scope, asked, mode, kbCountCap + 1);
  }
  // Results past the cap are not counted, so they are not paged to either ("refine your search").
  const limit = Math.max(0, Math.min(page.limit, kbCountCap - page.offset));
  const hits = total && limit ? await searchKbVersions(db, scope, asked, mode, limit, page.offset) : [];
  return { query, words, mode, total: Math.min(total, kbCountCap), capped: total > kbCountCap, results: hits.map((h) => resultOf(h, words)) };
}

/** The best `limit` matches by `find`, "any word" when nothing has them all (as searchKb does). */
async function topHits<T>(words: string[], firstMode: KbMatchMode, find: (words: string[], mode: KbMatchMode) => Promise<T[]>): Promise<T[]> {
  const first = wordsFor(words, firstMode);
  const hits = first ? await find(first, firstMode) : [];
  const anyWords = firstMode === 'all' && words.length > 1 ? wordsFor(words, 'any') : null;
  return !hits.length && anyWords ? find(anyWords, 'any') : hits;
}

/**
 * The best few matches and no count: suggestions while typing and an article's related ones
 * need no total, so they skip the counting query a search page makes. Falls back to "any word"
 * as searchKb does.
 */
export async function topKbMatches(db: Db, scope: KbScope, query: string, limit: number, firstMode: KbMatchMode = 'all'): Promise<KbSearchResult[]> {
  const words = kbSearchWords(query);
  return (await topHits(words, firstMode, (w, mode) => searchKbVersions(db, scope, w, mode, limit, 0))).map((h) => resultOf(h, words));
}

/** The ids of the best few matches, best first: what suggestions and related lists show (no snippets to build). */
export async function topKbMatchIds(db: Db, scope: KbScope, query: string, limit: number, firstMode: KbMatchMode = 'all'): Promise<number[]> {
  return (await topHits(kbSearchWords(query), firstMode, (w, mode) => rankedKbVersions(db, scope, w, mode, limit, 0))).map((h) => h.articleId);
}

const resultOf = (h: KbHit, words: string[]): KbSearchResult => ({ articleId: h.articleId, language: h.language, slug: h.slug, titleHtml: highlightedTitle(h.title, words), snippetHtml: snippetHtml(h.body, words), updatedAt: h.updatedAt });

/** A search a customer made, kept for the owner's numbers. */
export async function recordKbSearch(db: Db, query: string, language: string, resultCount: number, now: number): Promise<void> {
  if (kbSearchWords(query).length) await logKbSearch(db, query.trim(), language, resultCount, now);
}

/**
 * How often one client address may search, per minute (setting kb.searchesPerMinute, 60 by
 * default; suggestions twice that): generous for a person (a search page a second, suggestions
 * while typing with the form's 300 ms pause), a wall for a script hammering the full-text index.
 * Counted in the database, so every instance counts together.
 */
export const kbSuggestionsPerSearch = 2;
const limitWindowMs = 60_000;

/** Counts one search or suggestion of a client (clientKey); over the limit, TooManyRequestsError. */
export async function chargeKbSearch(db: Db, client: string, kind: 'search' | 'suggest', perMinute: number, now: number): Promise<void> {
  const count = await hitWindowCounter(db, `kb-${kind}:${client}`, limitWindowMs, now);
  if (count.hits > perMinute * (kind === 'suggest' ? kbSuggestionsPerSearch : 1)) throw new TooManyRequestsError('Too many searches in a short time. Please try again in a minute.', Math.max(1, Math.ceil((count.resetAt - now) / 1000)));
}
