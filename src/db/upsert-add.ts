import type { Knex } from 'knex';

/**
 * Adds amounts to a counter row, creating it when it is not there, in one statement (ON CONFLICT
 * … DO UPDATE on SQLite and PostgreSQL, ON DUPLICATE KEY UPDATE on MySQL/MariaDB; knex writes
 * each). `key` names the unique key's columns. Meant to run on its own (autocommit): it holds
 * the one row's lock for one statement only.
 */
export async function upsertAdding(
  db: Knex,
  table: string,
  key: Record<string, string | number>,
  amounts: Record<string, number>,
  zeros: string[] = [],
): Promise<void> {
  const added = Object.entries(amounts).filter(([, n]) => n !== 0);
  if (!added.length) return;
  const row = { ...key, ...Object.fromEntries(zeros.map((c) => [c, 0])), ...amounts };
  await db(table)
    .insert(row)
    .onConflict(Object.keys(key))
    .merge(Object.fromEntries(added.map(([column, n]) => [column, db.raw('??.?? + ?', [table, column, n])])));
}
