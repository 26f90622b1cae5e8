import type { Knex } from 'knex';
import { clientOf } from './dialect';

/**
 * A table read in the order of one of its indexes, for a page of a broad list. SQLite plans
 * without weighing LIMIT: for "open tickets by due date" it reads every open ticket through the
 * status index and sorts them all to show 25, where walking the due-date index finds the first
 * 25 after a few hundred rows. MySQL/MariaDB and PostgreSQL weigh LIMIT themselves and get the
 * plain table. `index: null` names the table's own (rowid) order.
 */
export function tableInIndexOrder(db: Knex, table: string, alias: string, index: string | null): Knex.Raw | string {
  if (clientOf(db) !== 'sqlite') return `${table} as ${alias}`;
  return db.raw(
    index ? `?? as ?? indexed by ??` : `?? as ?? not indexed`,
    index ? [table, alias, index] : [table, alias],
  );
}

/**
 * A broad list read in its sort index's order on every database: MySQL/MariaDB weigh LIMIT, but
 * with a filter that has an index of its own (the tier's) they took that one and sorted every
 * match, so there the sort's index is forced as well.
 */
export function tableInSortOrder(db: Knex, table: string, alias: string, index: string | null): Knex.Raw | string {
  if (clientOf(db) === 'mysql' && index) return db.raw('?? as ?? force index (??)', [table, alias, index]);
  return tableInIndexOrder(db, table, alias, index);
}

/**
 * A table read through one of `indexes` (the optimizer still picks which, and how), never
 * scanned whole, on MySQL/MariaDB; the other databases get the plain table. For queries whose
 * choice between an index range and a full scan is a near tie that InnoDB's sampled row count
 * decides one way or the other.
 */
export function tableThroughIndexes(db: Knex, table: string, alias: string, indexes: string[]): Knex.Raw | string {
  if (clientOf(db) !== 'mysql' || indexes.length === 0) return `${table} as ${alias}`;
  return db.raw(`?? as ?? force index (${indexes.map(() => '??').join(', ')})`, [table, alias, ...indexes]);
}
