import type { Knex } from 'knex';
import { clientOf } from './dialect';

/** Whether an index of this name exists on the table (migrations that undo index changes ask). */
export async function indexExists(db: Knex, table: string, name: string): Promise<boolean> {
  const client = clientOf(db);
  if (client === 'mysql') {
    const [rows] = (await db.raw(
      'SELECT 1 FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name = ? AND index_name = ? LIMIT 1',
      [table, name],
    )) as [unknown[]];
    return rows.length > 0;
  }
  if (client === 'postgres')
    return (await db('pg_indexes').where({ tablename: table, indexname: name }).first('indexname')) !== undefined;
  return (await db('sqlite_master').where({ type: 'index', tbl_name: table, name }).first('name')) !== undefined;
}

/**
 * Drops an index if it is there: a migration's `down` also runs when the installer clears a
 * half-finished installation, where later migrations never ran.
 */
export async function dropIndexIfExists(db: Knex, table: string, name: string): Promise<void> {
  if (!(await indexExists(db, table, name))) return;
  if (clientOf(db) === 'mysql') await db.raw('ALTER TABLE ?? DROP INDEX ??', [table, name]);
  else await db.raw('DROP INDEX ??', [name]);
}

/**
 * Before dropping a MySQL/MariaDB index that starts with a foreign key's column: InnoDB silently
 * drops a foreign key's own index once another index can serve it, and then refuses to drop
 * that other one. Giving the column its own index back first lets the drop go through.
 */
export async function keepForeignKeyIndex(db: Knex, table: string, column: string, name: string): Promise<void> {
  if (clientOf(db) !== 'mysql' || (await indexExists(db, table, name))) return;
  await db.raw('CREATE INDEX ?? ON ?? (??)', [name, table, column]);
}
