import type { Knex } from 'knex';
import { lockedForUpdate } from '../db/dialect';
import { addedOnConflict } from '../db/insert';
import { foldText } from '../db/fold';
import { whereStartsWith } from '../db/like';
import { correctable, correctionKeys, reversedTerm } from './kb-typos';

/**
 * The vocabulary of the knowledge base (`kb_terms`): every folded word of 4 to 40 letters that
 * the keywords, title or body of a published article in a public category holds, with the number
 * of such articles (an approximate frequency to rank corrections, never a count a page shows).
 * Each article's part is in `kb_term_sources` and is taken back when the article changes
 * (kb-terms.service.ts); a word at 0 articles is removed.
 */

/** The distinct vocabulary words of a text (folded, in order). */
export function kbTermsOf(text: string): string[] {
  const words = new Set<string>();
  for (const w of foldText(text).match(/[\p{L}\p{N}]+/gu) ?? []) if (correctable(w)) words.add(w);
  return [...words];
}

/** The words an article adds now, and what it was taken from (its updated_at, the category tree's revision). */
export type KbTermSource = { terms: string[]; articleUpdatedAt: number; categories: number };

/**
 * An article's part of the vocabulary, its row locked until the transaction ends (written empty
 * first when there is none, so two first syncs of one article wait for each other too).
 */
export async function lockKbTermSource(trx: Knex, articleId: number): Promise<KbTermSource> {
  await trx('kb_term_sources')
    .insert({ article_id: articleId, terms: '', article_updated_at: -1, categories: -1 })
    .onConflict('article_id')
    .ignore();
  const row = await lockedForUpdate(
    trx,
    trx('kb_term_sources').where({ article_id: articleId }).first('terms', 'article_updated_at', 'categories'),
  );
  return {
    terms: String(row?.terms ?? '')
      .split(' ')
      .filter(Boolean),
    articleUpdatedAt: Number(row?.article_updated_at ?? -1),
    categories: Number(row?.categories ?? -1),
  };
}

/** Stores an article's part (null: the article is gone, so is its row). */
export async function storeKbTermSource(trx: Knex, articleId: number, source: KbTermSource | null): Promise<void> {
  if (!source) await trx('kb_term_sources').where({ article_id: articleId }).del();
  else
    await trx('kb_term_sources')
      .where({ article_id: articleId })
      .update({
        terms: source.terms.join(' '),
        article_updated_at: source.articleUpdatedAt,
        categories: source.categories,
      });
}

/**
 * Counts words in (+1) and out (-1) of the vocabulary, in the caller's transaction; words at 0
 * go. One upsert adding the change per chunk of 200, sorted: two syncs touching the same words
 * lock them in the same order.
 */
export async function changeKbTerms(trx: Knex, added: string[], removed: string[]): Promise<void> {
  const gone = new Set(removed);
  const terms = [...added, ...removed].sort();
  for (let i = 0; i < terms.length; i += 200) {
    const chunk = terms.slice(i, i + 200);
    const rows = chunk.map((term) => ({
      term,
      reversed: reversedTerm(term),
      length: [...term].length,
      articles: gone.has(term) ? -1 : 1,
    }));
    await trx('kb_terms')
      .insert(rows)
      .onConflict('term')
      .merge({ articles: addedOnConflict(trx, 'kb_terms', 'articles') });
    const out = chunk.filter((t) => gone.has(t));
    if (out.length) await trx('kb_terms').whereIn('term', out).where('articles', '<=', 0).del();
  }
}

/**
 * Up to `limit` articles after id `after` whose part of the vocabulary is out of date: never
 * taken, taken before the article's last change or the category tree's `categories` revision, or
 * of an article that is gone (through the primary keys and kb_term_sources' own rows). Two full
 * reads: the kb-terms job runs it only when kb_revision says something changed (kbTermsStamp).
 */
export async function staleKbTermArticles(
  db: Knex,
  categories: number,
  after: number,
  limit: number,
): Promise<number[]> {
  const stale = await db('kb_articles as a')
    .leftJoin('kb_term_sources as s', 's.article_id', 'a.id')
    .where('a.id', '>', after)
    .andWhere((w) =>
      w
        .whereNull('s.article_id')
        .orWhereRaw('s.article_updated_at <> a.updated_at')
        .orWhereNot('s.categories', categories),
    )
    .orderBy('a.id')
    .limit(limit)
    .select('a.id');
  const orphans = await db('kb_term_sources as s')
    .leftJoin('kb_articles as a', 'a.id', 's.article_id')
    .whereNull('a.id')
    .andWhere('s.article_id', '>', after)
    .orderBy('s.article_id')
    .limit(limit)
    .select('s.article_id');
  // Both lists are in id order: their merged first `limit` are the first `limit` of both.
  return [
    ...stale.map((r: { id: number | string }) => Number(r.id)),
    ...orphans.map((r: { article_id: number | string }) => Number(r.article_id)),
  ]
    .sort((x, y) => x - y)
    .slice(0, limit);
}

/** Which of the given words start some vocabulary word (so they need no correction). */
export async function knownKbPrefixes(db: Knex, words: string[]): Promise<Set<string>> {
  const known = new Set<string>();
  for (const w of words) {
    if (await whereStartsWith(db('kb_terms').where('articles', '>', 0).first('term'), 'term', w)) known.add(w);
  }
  return known;
}

/**
 * Vocabulary words that may be one edit from `word`: those of length ±1 that start with its first
 * half or end with its second (see correctionKeys), most frequent first, through the
 * (length, term) and (length, reversed) indexes. The caller checks the distance.
 */
export async function kbTermCandidates(
  db: Knex,
  word: string,
  limit = 200,
): Promise<Array<{ term: string; articles: number }>> {
  const keys = correctionKeys(word);
  const side = (column: 'term' | 'reversed', start: string) =>
    whereStartsWith(db('kb_terms').whereIn('length', keys.lengths).where('articles', '>', 0), column, start)
      .orderBy('articles', 'desc')
      .limit(limit)
      .select('term', 'articles');
  const [byHead, byTail] = await Promise.all([side('term', keys.head), side('reversed', keys.reversedTail)]);
  const seen = new Map<string, number>();
  for (const r of [...byHead, ...byTail]) seen.set(String(r.term), Number(r.articles));
  return [...seen]
    .map(([term, articles]) => ({ term, articles }))
    .sort((a, b) => b.articles - a.articles || (a.term < b.term ? -1 : 1));
}
