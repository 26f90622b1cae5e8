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
    case 'mysql': {
      const query = words.map((w) => `+${w}*`).join(' ');
      return db
        .select('id as ticket_id')
        .from('tickets')
        .whereRaw('MATCH(subject) AGAINST (? IN BOOLEAN MODE)', [query])
        .union((q) => q.select('ticket_id').from('messages').whereRaw('MATCH(body) AGAINST (? IN BOOLEAN MODE)', [query]))
        .union((q) => q.select('ticket_id').from('custom_field_values').whereRaw('MATCH(value) AGAINST (? IN BOOLEAN MODE)', [query]));
    }
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

/** A subquery of the ids of customers whose name has every word (as a word prefix), through the full-text index. */
export function customerIdsMatching(db: Knex, words: string[]): Knex.QueryBuilder {
  switch (clientOf(db)) {
    case 'postgres':
      return db.select('id').from('customers').whereRaw(`name_tsv @@ to_tsquery('simple', ?)`, [words.map((w) => `${w}:*`).join(' & ')]);
    case 'mysql':
      return db.select('id').from('customers').whereRaw('MATCH(name) AGAINST (? IN BOOLEAN MODE)', [words.map((w) => `+${w}*`).join(' ')]);
    default:
      return db.select('rowid as id').from('customers_fts').whereRaw('customers_fts MATCH ?', [words.map((w) => `"${w}"*`).join(' AND ')]);
  }
}
