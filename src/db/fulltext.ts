import type { Knex } from 'knex';
import { clientOf } from './dialect';
import { foldText } from './fold';

/**
 * Words of a search as each engine wants them: letters and digits only (operators and quotes
 * typed by a person are dropped), at most 8, each matched as a prefix, all required.
 */
export function searchWords(query: string): string[] {
  return (query.normalize('NFC').match(/[\p{L}\p{N}]+/gu) ?? [])
    .filter((w) => w.length >= 2)
    .slice(0, 8)
    .map((w) => w.toLowerCase().slice(0, 40));
}

/**
 * A subquery of the ids of tickets whose subject, any message or any custom field value
 * contains every word, through the full-text index of the database in use (never a LIKE over
 * bodies).
 */
export function ticketIdsMatching(db: Knex, words: string[]): Knex.QueryBuilder {
  switch (clientOf(db)) {
    case 'postgres': {
      const query = words.map((w) => `${w}:*`).join(' & ');
      return db
        .select('id as ticket_id')
        .from('tickets')
        .whereRaw(`subject_tsv @@ to_tsquery('simple', ?)`, [query])
        .union((q) => q.select('ticket_id').from('messages').whereRaw(`body_tsv @@ to_tsquery('simple', ?)`, [query]))
        .union((q) =>
          q.select('ticket_id').from('custom_field_values').whereRaw(`value_tsv @@ to_tsquery('simple', ?)`, [query]),
        );
    }
    case 'mysql':
      return mysqlMatching(db, 'tickets', 'subject', 'id as ticket_id', words)
        .union(mysqlMatching(db, 'messages', 'body', 'ticket_id', words))
        .union(mysqlMatching(db, 'custom_field_values', 'value', 'ticket_id', words));
    default: {
      const query = words.map((w) => `"${w}"*`).join(' AND ');
      return db
        .select('rowid as ticket_id')
        .from('tickets_fts')
        .whereRaw('tickets_fts MATCH ?', [query])
        .union((q) =>
          q
            .select('m.ticket_id')
            .from('messages_fts as f')
            .join('messages as m', 'm.id', 'f.rowid')
            .whereRaw('messages_fts MATCH ?', [query]),
        )
        .union((q) =>
          q.select('rowid as ticket_id').from('field_values_fts').whereRaw('field_values_fts MATCH ?', [query]),
        );
    }
  }
}

const mysqlBooleanQuery = (words: string[]) => words.map((w) => `+${w}*`).join(' ');

/** One MySQL/MariaDB FULLTEXT index's matches: every word required, each as a word prefix. */
function mysqlMatching(db: Knex, table: string, column: string, select: string, words: string[]): Knex.QueryBuilder {
  return db
    .select(select)
    .from(table)
    .whereRaw(`MATCH(${column}) AGAINST (? IN BOOLEAN MODE)`, [mysqlBooleanQuery(words)]);
}

/** A condition on `tickets as t` that keeps the tickets one of their texts matches. */
export type MatchSource = (q: Knex.QueryBuilder) => void;

/**
 * On MySQL/MariaDB, what ticketIdsMatching and customerIdsMatching find, as one condition per
 * FULLTEXT index: the server can then search the indexes side by side on separate connections,
 * where a union reads them one after the other in one thread.
 */
export function mysqlMatchSources(db: Knex, words: string[]): MatchSource[] {
  return [
    (q) => q.whereRaw('MATCH(t.subject) AGAINST (? IN BOOLEAN MODE)', [mysqlBooleanQuery(words)]),
    (q) => q.whereIn('t.id', mysqlMatching(db, 'messages', 'body', 'ticket_id', words)),
    (q) => q.whereIn('t.id', mysqlMatching(db, 'custom_field_values', 'value', 'ticket_id', words)),
    (q) => q.whereIn('t.customer_id', customerIdsMatching(db, words)),
  ];
}

/** A subquery of the ids of customers whose name has every word (as a word prefix), through the full-text index. */
export function customerIdsMatching(db: Knex, words: string[]): Knex.QueryBuilder {
  switch (clientOf(db)) {
    case 'postgres':
      return db
        .select('id')
        .from('customers')
        .whereRaw(`name_tsv @@ to_tsquery('simple', ?)`, [words.map((w) => `${w}:*`).join(' & ')]);
    case 'mysql':
      return mysqlMatching(db, 'customers', 'name', 'id', words);
    default:
      return db
        .select('rowid as id')
        .from('customers_fts')
        .whereRaw('customers_fts MATCH ?', [words.map((w) => `"${w}"*`).join(' AND ')]);
  }
}

/** Every word of a knowledge-base search required, or (the fallback when none has them all) any. */
export type KbMatchMode = 'all' | 'any';

/**
 * The condition and the rank of a knowledge-base search over `kb_article_versions as v`, with
 * the full-text index of the database in use; keywords weigh most, then the title, then the
 * body; each word matched as a prefix. The words come from searchWords (letters and digits only),
 * so nobody's operators reach an engine.
 */
export function kbVersionMatch(
  db: Knex,
  searched: string[],
  mode: KbMatchMode,
): { apply(q: Knex.QueryBuilder): void; rank: Knex.Raw } {
  const words = searched.map(foldText);
  switch (clientOf(db)) {
    case 'postgres': {
      const query = words.map((w) => `${w}:*`).join(mode === 'all' ? ' & ' : ' | ');
      return {
        apply: (q) => q.whereRaw(`v.search_tsv @@ to_tsquery('simple', ?)`, [query]),
        // Weights are {D, C, B, A}: body C, title B, keywords A.
        rank: db.raw(`ts_rank('{0.05, 0.2, 0.5, 1.0}', v.search_tsv, to_tsquery('simple', ?))`, [query]),
      };
    }
    case 'mysql': {
      const terms = mysqlTerms(words);
      const required = terms.map((w) => (mode === 'all' ? `+${w}*` : `${w}*`)).join(' ');
      const any = terms.map((w) => `${w}*`).join(' ');
      return {
        apply: (q) => q.whereRaw('MATCH(v.title, v.keywords, v.body) AGAINST (? IN BOOLEAN MODE)', [required]),
        rank: db.raw(
          '4 * MATCH(v.keywords) AGAINST (? IN BOOLEAN MODE) + 2 * MATCH(v.title) AGAINST (? IN BOOLEAN MODE) + MATCH(v.title, v.keywords, v.body) AGAINST (? IN BOOLEAN MODE)',
          [any, any, any],
        ),
      };
    }
    default: {
      const query = words.map((w) => `"${w}"*`).join(mode === 'all' ? ' AND ' : ' OR ');
      return {
        apply: (q) => q.join('kb_fts', 'kb_fts.rowid', 'v.id').whereRaw('kb_fts MATCH ?', [query]),
        // bm25 is lower for better matches; weights in column order title, keywords, body.
        rank: db.raw('-bm25(kb_fts, 4.0, 8.0, 1.0)'),
      };
    }
  }
}

/**
 * InnoDB's full-text index leaves out words shorter than innodb_ft_min_token_size (3) and its
 * stop words, and a required term it never indexed matches nothing: such words are not sent.
 */
export const innodbStopwords = new Set(
  'a about an are as at be by com de en for from how i in is it la of on or that the this to was what when where who will with und www'.split(
    ' ',
  ),
);
function mysqlTerms(words: string[]): string[] {
  const kept = words.filter((w) => [...w].length >= 3 && !innodbStopwords.has(w));
  return kept.length ? kept : words.slice(0, 1);
}

/**
 * The extra column a knowledge-base version row carries for the index of the database in use:
 * PostgreSQL indexes `search_text`, folded by the application (its own lower() depends on the
 * cluster's locale); MariaDB's collation and SQLite's FTS5 tokenizer fold by themselves.
 */
export function kbSearchTextColumn(db: Knex, searchText: () => string): { search_text?: string } {
  return clientOf(db) === 'postgres' ? { search_text: searchText() } : {};
}
