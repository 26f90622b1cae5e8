import type { Knex } from 'knex';
import { clientOf } from './dialect';

/**
 * Words of a search as each engine wants them: letters and digits only (operators and quotes
 * typed by a person are dropped), at most 8, each matched as a prefix, all required.
 */
export function searchWords(query: string): string[] {
  return (query.normalize('NFC').match(/[\p{L}\p{N}]+/gu) ?? []).filter((w) => w.length >= 2).slice(0, 8).map((w) => w.toLowerCase().slice(0, 40));
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
        .union((q) => q.select('ticket_id').from('custom_field_values').whereRaw(`value_tsv @@ to_tsquery('simple', ?)`, [query]));
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
        .union((q) => q.select('m.ticket_id').from('messages_fts as f').join('messages as m', 'm.id', 'f.rowid').whereRaw('messages_fts MATCH ?', [query]))
        .union((q) => q.select('rowid as ticket_id').from('field_values_fts').whereRaw('field_values_fts MATCH ?', [query]));
    }
  }
}

const mysqlBooleanQuery = (words: string[]) => words.map((w) => `+${w}*`).join(' ');

/** One MySQL/MariaDB FULLTEXT index's matches: every word required, each as a word prefix. */
function mysqlMatching(db: Knex, table: string, column: string, select: string, words: string[]): Knex.QueryBuilder {
  return db.select(select).from(table).whereRaw(`MATCH(${column}) AGAINST (? IN BOOLEAN MODE)`, [mysqlBooleanQuery(words)]);
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
      return db.select('id').from('customers').whereRaw(`name_tsv @@ to_tsquery('simple', ?)`, [words.map((w) => `${w}:*`).join(' & ')]);
    case 'mysql':
      return mysqlMatching(db, 'customers', 'name', 'id', words);
    default:
      return db.select('rowid as id').from('customers_fts').whereRaw('customers_fts MATCH ?', [words.map((w) => `"${w}"*`).join(' AND ')]);
  }
}
