import type { Knex } from 'knex';
import { addedOnConflict } from '../db/insert';
import { foldText } from '../db/fold';
import { whereStartsWith } from '../db/like';
import { correctable, correctionKeys, reversedTerm } from './kb-typos';

/**
 * The vocabulary of the knowledge base (`kb_terms`): every folded word of 4 to 40 letters that
 * an article version's keywords, title or body holds, with the number of saved versions that
 * held it (only ever counted up: an approximate frequency to rank corrections, never a count a
 * page shows). A word that no article holds any more stays: a correction to it then finds
 * nothing and is not offered.
 */

/** The distinct vocabulary words of a text (folded, in order). */
export function kbTermsOf(text: string): string[] {
  const words = new Set<string>();
  for (const w of foldText(text).match(/[\p{L}\p{N}]+/gu) ?? []) if (correctable(w)) words.add(w);
  return [...words];
}

/**
 * Adds the words of some versions' texts to the vocabulary, each text counting once per word (in
 * the caller's transaction). Sorted, in chunks: two saves touching the same words lock them in
 * the same order.
 */
export async function addKbTerms(db: Knex, texts: string[]): Promise<void> {
  const counts = new Map<string, number>();
  for (const text of texts) for (const term of kbTermsOf(text)) counts.set(term, (counts.get(term) ?? 0) + 1);
  const terms = [...counts.keys()].sort();
  for (let i = 0; i < terms.length; i += 200) {
    const rows = terms.slice(i, i + 200).map((term) => ({ term, reversed: reversedTerm(term), length: [...term].length, articles: counts.get(term)! }));
    await db('kb_terms').insert(rows).onConflict('term').merge({ articles: addedOnConflict(db, 'kb_terms', 'articles') });
  }
}

/** Which of the given words start some vocabulary word (so they need no correction). */
export async function knownKbPrefixes(db: Knex, words: string[]): Promise<Set<string>> {
  const known = new Set<string>();
  for (const w of words) {
    if (await whereStartsWith(db('kb_terms').first('term'), 'term', w)) known.add(w);
  }
  return known;
}

/**
 * Vocabulary words that may be one edit from `word`: those of length ±1 that start with its first
 * half or end with its second (see correctionKeys), most frequent first, through the
 * (length, term) and (length, reversed) indexes. The caller checks the distance.
 */
export async function kbTermCandidates(db: Knex, word: string, limit = 200): Promise<Array<{ term: string; articles: number }>> {
  const keys = correctionKeys(word);
  const side = (column: 'term' | 'reversed', start: string) => whereStartsWith(db('kb_terms').whereIn('length', keys.lengths), column, start).orderBy('articles', 'desc').limit(limit).select('term', 'articles');
  const [byHead, byTail] = await Promise.all([side('term', keys.head), side('reversed', keys.reversedTail)]);
  const seen = new Map<string, number>();
  for (const r of [...byHead, ...byTail]) seen.set(String(r.term), Number(r.articles));
  return [...seen].map(([term, articles]) => ({ term, articles })).sort((a, b) => b.articles - a.articles || (a.term < b.term ? -1 : 1));
}

