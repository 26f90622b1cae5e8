import type { Knex } from 'knex';
import { clientOf } from '../dialect';

/**
 * Lets a restore build secondary indexes once, after the rows are in, instead of updating them
 * row by row (on PostgreSQL most of a restore's time went into the full-text GIN indexes and the
 * list indexes of tickets and messages). PostgreSQL only: its schema changes are transactional,
 * so the indexes are dropped and made again inside the restore's transaction and a failed restore
 * rolls them back with the rows. Indexes that back a constraint (primary keys, unique keys) stay,
 * so duplicates are still refused at once. MySQL commits on any schema change, which would break
 * the all-or-nothing restore, so it loads with its indexes in place; so does SQLite, whose
 * restores are quick. Returns the function that builds the indexes again.
 */
export async function setIndexesAside(trx: Knex.Transaction, tables: string[]): Promise<() => Promise<void>> {
  if (clientOf(trx) !== 'postgres' || tables.length === 0) return async () => undefined;
  const res = (await trx.raw(
    `select i.relname as name, pg_get_indexdef(i.oid) as definition
       from pg_index x join pg_class i on i.oid = x.indexrelid join pg_class t on t.oid = x.indrelid
      where t.relnamespace = (select oid from pg_namespace where nspname = current_schema())
        and t.relname = any(?) and not exists (select 1 from pg_constraint c where c.conindid = x.indexrelid)`,
    [tables],
  )) as { rows: Array<{ name: string; definition: string }> };
  const keys = (await trx.raw(
    `select cl.relname as "table", c.conname as name, pg_get_constraintdef(c.oid) as definition
       from pg_constraint c join pg_class cl on cl.oid = c.conrelid
      where c.contype = 'f' and c.connamespace = (select oid from pg_namespace where nspname = current_schema()) and cl.relname = any(?)`,
    [tables],
  )) as { rows: Array<{ table: string; name: string; definition: string }> };
  for (const key of keys.rows) await trx.raw('alter table ?? drop constraint ??', [key.table, key.name]);
  for (const index of res.rows) await trx.raw('drop index ??', [index.name]);
  return async () => {
    for (const index of res.rows) await trx.raw(index.definition);
    // Adding a key checks every row at once (one join instead of a lookup per inserted row).
    for (const key of keys.rows)
      await trx.raw(`alter table ?? add constraint ?? ${key.definition}`, [key.table, key.name]);
  };
}

/**
 * Rows per insert statement during a restore. PostgreSQL takes up to 65,535 parameters and
 * spends fewer round trips on larger statements; MariaDB spent twice the server CPU with
 * 2,000-row statements than with 500-row ones (bench/RESULTS.md), so it keeps SQLite's sizes.
 */
export function rowsPerInsert(db: Knex, columns: number): number {
  const [rows, values] = clientOf(db) === 'postgres' ? [2000, 30000] : [500, 8000];
  return Math.max(1, Math.min(rows, Math.floor(values / Math.max(1, columns))));
}
