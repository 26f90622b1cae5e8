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
