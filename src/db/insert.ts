import type { Knex } from 'knex';
import { clientOf } from './dialect';

/** Inserts one row and returns its new id on every dialect (only PostgreSQL needs RETURNING). */
export async function insertReturningId(db: Knex, table: string, row: Record<string, unknown>): Promise<number> {
  if (clientOf(db) === 'postgres') {
    const [out] = await db(table).insert(row).returning<Array<{ id: number }>>('id');
    return Number(out!.id);
  }
  const [id] = await db(table).insert(row);
  return Number(id);
}

/**
 * Inserts one row unless its unique key `conflictColumn` is taken: the new id, or null when the
 * row was already there (nothing written). ON CONFLICT DO NOTHING RETURNING id on SQLite and
 * PostgreSQL; MySQL's INSERT IGNORE reports id 0 for a row it skipped.
 */
export async function insertIgnoredReturningId(
  db: Knex,
  table: string,
  row: Record<string, unknown>,
  conflictColumn: string,
): Promise<number | null> {
  const insert = db(table).insert(row).onConflict(conflictColumn).ignore();
  if (clientOf(db) === 'mysql') return Number((await insert)[0]) || null;
  const [out] = await insert.returning<Array<{ id: number }>>('id');
  return out ? Number(out.id) : null;
}

/**
 * On a duplicate key, the stored `column` plus the inserted row's (an upsert that adds counts):
 * MySQL names the inserted row VALUES(column), SQLite and PostgreSQL `excluded`.
 */
export function addedOnConflict(db: Knex, table: string, column: string): Knex.Raw {
  return clientOf(db) === 'mysql'
    ? db.raw('?? + VALUES(??)', [`${table}.${column}`, column])
    : db.raw('?? + excluded.??', [`${table}.${column}`, column]);
}
