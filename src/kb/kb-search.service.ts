import type { Db } from '../db/db';
import { foldText } from '../db/fold';
import type { KbMatchMode } from '../db/fulltext';
import { hitWindowCounter } from '../db/window-counter';
import { TooManyRequestsError } from '../errors';
import { kbCategoryTree } from './kb-category-cache';
import {
  countKbVersions,
  logKbSearch,
  rankedKbVersions,
  searchKbVersions,
  type KbHit,
  type KbScope,
} from './kb-search.repo';
import { highlightedTitle, kbSearchWords, snippetHtml } from './kb-search-text';
import { kbTermCandidates, knownKbPrefixes } from './kb-terms.repo';
import { correctable, stemForPrefix, withinOneEdit } from './kb-typos';

export type KbSearchResult = {
  articleId: number;
  language: string;
  slug: string;
  titleHtml: string;
  snippetHtml: string;
  updatedAt: number;
};
export type KbSearchPage = {
  query: string;
  words: string[];
  total: number;
  capped: boolean;
  results: KbSearchResult[];
  mode: KbMatchMode;
  correctedQuery: string | null;
};

export const kbCountCap = 1000;

/** What a customer's search may find: published articles in public categories. */
export async function customerScope(db: Db, language: string, fallbackLanguage: string): Promise<KbScope> {
  return { categoryIds: (await kbCategoryTree(db)).visibleIds, statuses: ['published'], language, fallbackLanguage };
}

/**
 * Words an "any word" search may use: only those of 3 letters or more. A short word matched as
 * a prefix ("to", "in") is in nearly every article, and OR-ing it in would make the match set
 * the whole knowledge base.
 */
const anyModeWords = (words: string[]) => words.filter((w) => [...w].length >= 3);

/**
 * The searches to try in turn: every word (when `firstMode` is 'all'), then any word of 3+
 * letters when there are several words and some is long enough.
 */
function attemptsFor(words: string[], firstMode: KbMatchMode): Array<{ words: string[]; mode: KbMatchMode }> {
  const attempts: Array<{ words: string[]; mode: KbMatchMode }> = [];
  if (firstMode === 'all' && words.length) attempts.push({ words, mode: 'all' });
  const any = anyModeWords(words);
  if (any.length && (firstMode === 'any' || words.length > 1)) attempts.push({ words: any, mode: 'any' });
  return attempts;
}

/** How many nearby vocabulary words are tried for one unknown word, most frequent first. */
const correctionTries = 5;

/**
 * The words of a query corrected from the vocabulary: each word of 4+ letters that starts no
 * indexed word is replaced by the most frequent indexed word one edit away (kb-typos.ts) that
 * itself finds an article in the searcher's scope, of the first 5 such words. So a word is
 * offered and shown only when the searcher could have found it (the vocabulary may lag behind a
 * change of an article or a category until its sync or job ran), and a word frequent elsewhere
 * does not hide the one that finds something here. Null when nothing was corrected. Asked only
 * when a search found nothing.
 */
async function correctedWords(db: Db, scope: KbScope, folded: string[], stems: string[]): Promise<string[] | null> {
  const unknown = new Set(stems.filter(correctable));
  if (!unknown.size) return null;
  for (const known of await knownKbPrefixes(db, [...unknown])) unknown.delete(known);
  let changed = false;
  const fixed = await Promise.all(
    folded.map(async (w, i) => {
      if (!unknown.has(stems[i]!)) return w;
      const near = (await kbTermCandidates(db, w))
        .filter((c) => c.term !== w && withinOneEdit(w, c.term))
        .slice(0, correctionTries);
      for (const c of near) {
        if ((await countKbVersions(db, scope, [c.term], 'all', 1)) === 0) continue;
        changed = true;
        return c.term;
      }
      return w;
    }),
  );
  return changed ? fixed : null;
}

/** `highlight`: the words to mark in titles and snippets, longest first (a whole typed word before its trimmed stem). */
type Found<T> = { value: T; words: string[]; mode: KbMatchMode; correctedQuery: string | null; highlight: string[] };
const longestFirst = (words: string[]) => [...new Set(words)].sort((a, b) => b.length - a.length);

/**
 * Runs `run` for each search worth trying, first with the words as typed (their endings trimmed,
 * stemForPrefix) and, when none finds anything, with the words corrected from the vocabulary;
 * the first that finds something wins. `correctedQuery` says when the corrected words did.
 */
async function firstFound<T>(
  db: Db,
  scope: KbScope,
  query: string,
  firstMode: KbMatchMode,
  empty: T,
  run: (words: string[], mode: KbMatchMode) => Promise<{ found: boolean; value: T }>,
): Promise<Found<T>> {
  const folded = kbSearchWords(query).map(foldText);
  const stem = (words: string[]) => words.map((w) => stemForPrefix(w, scope.language));
  const stems = stem(folded);
  const highlight = longestFirst([...folded, ...stems]);
  let last: Found<T> = { value: empty, words: stems, mode: firstMode, correctedQuery: null, highlight };
  for (const a of attemptsFor(stems, firstMode)) {
    const r = await run(a.words, a.mode);
    last = { value: r.value, words: a.words, mode: a.mode, correctedQuery: null, highlight };
    if (r.found) return last;
  }
  if (!scope.categoryIds.length) return last;
  const fixed = await correctedWords(db, scope, folded, stems);
  for (const a of fixed ? attemptsFor(stem(fixed), firstMode) : []) {
    const r = await run(a.words, a.mode);
    if (r.found)
      return {
        value: r.value,
        words: a.words,
        mode: a.mode,
        correctedQuery: fixed!.join(' '),
        highlight: longestFirst([...fixed!, ...a.words]),
      };
  }
  return last;
}

/**
 * One page of a search, best first, with highlighted titles and snippets (escaped HTML). Each
 * word is a prefix with its inflection ending trimmed ("пароля" finds "пароль"); when no article
 * has every word, the articles with any of them are offered instead; when still nothing, the
 * words corrected from the vocabulary ("pasword" → "password", said on the page).
 */
export async function searchKb(
  db: Db,
  scope: KbScope,
  query: string,
  page: { limit: number; offset: number },
): Promise<KbSearchPage> {
  const words = kbSearchWords(query);
  const found = await firstFound(db, scope, query, 'all', 0, async (asked, mode) => {
    const n = await countKbVersions(db, scope, asked, mode, kbCountCap + 1);
    return { found: n > 0, value: n };
  });
  const total = found.value;
  // Results past the cap are not counted, so they are not paged to either ("refine your search").
  const limit = Math.max(0, Math.min(page.limit, kbCountCap - page.offset));
  const hits = total && limit ? await searchKbVersions(db, scope, found.words, found.mode, limit, page.offset) : [];
  return {
    query,
    words,
    mode: found.mode,
    correctedQuery: found.correctedQuery,
    total: Math.min(total, kbCountCap),
    capped: total > kbCountCap,
    results: hits.map((h) => resultOf(h, found.highlight)),
  };
}

/** The best `limit` matches by `find`, as searchKb finds them (trimmed endings, "any word", corrections). */
function topHits<T>(
  db: Db,
  scope: KbScope,
  query: string,
  firstMode: KbMatchMode,
  find: (words: string[], mode: KbMatchMode) => Promise<T[]>,
): Promise<Found<T[]>> {
  return firstFound<T[]>(db, scope, query, firstMode, [], async (words, mode) => {
    const hits = await find(words, mode);
    return { found: hits.length > 0, value: hits };
  });
}

/**
 * The best few matches and no count: suggestions while typing and an article's related ones
 * need no total, so they skip the counting query a search page makes.
 */
export async function topKbMatches(
  db: Db,
  scope: KbScope,
  query: string,
  limit: number,
  firstMode: KbMatchMode = 'all',
): Promise<KbSearchResult[]> {
  const found = await topHits(db, scope, query, firstMode, (w, mode) => searchKbVersions(db, scope, w, mode, limit, 0));
  return found.value.map((h) => resultOf(h, found.highlight));
}

/** The ids of the best few matches, best first: what suggestions and related lists show (no snippets to build). */
export async function topKbMatchIds(
  db: Db,
  scope: KbScope,
  query: string,
  limit: number,
  firstMode: KbMatchMode = 'all',
): Promise<number[]> {
  return (
    await topHits(db, scope, query, firstMode, (w, mode) => rankedKbVersions(db, scope, w, mode, limit, 0))
  ).value.map((h) => h.articleId);
}

const resultOf = (h: KbHit, words: string[]): KbSearchResult => ({
  articleId: h.articleId,
  language: h.language,
  slug: h.slug,
  titleHtml: highlightedTitle(h.title, words),
  snippetHtml: snippetHtml(h.body, words),
  updatedAt: h.updatedAt,
});

/** A search a customer made, kept for the owner's numbers. */
export async function recordKbSearch(
  db: Db,
  query: string,
  language: string,
  resultCount: number,
  now: number,
): Promise<void> {
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
export async function chargeKbSearch(
  db: Db,
  client: string,
  kind: 'search' | 'suggest',
  perMinute: number,
  now: number,
): Promise<void> {
  const count = await hitWindowCounter(db, `kb-${kind}:${client}`, limitWindowMs, now);
  if (count.hits > perMinute * (kind === 'suggest' ? kbSuggestionsPerSearch : 1))
    throw new TooManyRequestsError(
      'Too many searches in a short time. Please try again in a minute.',
      Math.max(1, Math.ceil((count.resetAt - now) / 1000)),
    );
}
