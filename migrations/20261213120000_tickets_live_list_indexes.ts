import type { Knex } from 'knex';

/**
 * Every staff list and dashboard queue counts its tickets up to a cap (1,000) with
 * `merged_into_id IS NULL`: through the (…, status_id, updated_at) indexes SQLite had to read each
 * of those 1,001 ticket rows only to see that column, ~3 ms of the Tessera process per count at
 * 100,000 tickets (the dashboard counts eleven queues, the list one). The same indexes restricted
 * to unmerged tickets answer the counts from the index alone (~0.1 ms; bench/RESULTS.md,
 * r11-staffcpu). SQLite only: there the database runs inside the Tessera process. MariaDB has no
 * partial indexes and PostgreSQL plans these counts by its statistics, in its own process; both
 * keep their indexes as they are. The full indexes stay: jobs read by status and date without
 * the merged condition.
 */
const liveIndexes: Array<[string, string[]]> = [
  ['tickets_live_category_status_updated_idx', ['category_id', 'status_id', 'updated_at']],
  ['tickets_live_owner_category_status_updated_idx', ['owner_id', 'category_id', 'status_id', 'updated_at']],
  ['tickets_live_status_updated_idx', ['status_id', 'updated_at']],
  ['tickets_live_owner_status_updated_idx', ['owner_id', 'status_id', 'updated_at']],
];

const isSqlite = (db: Knex) => ['sqlite3', 'better-sqlite3'].includes(String(db.client.config.client));

export async function up(db: Knex): Promise<void> {
  if (!isSqlite(db)) return;
  for (const [name, columns] of liveIndexes)
    await db.raw(`CREATE INDEX IF NOT EXISTS ${name} ON tickets (${columns.join(', ')}) WHERE merged_into_id IS NULL`);
}

export async function down(db: Knex): Promise<void> {
  if (!isSqlite(db)) return;
  for (const [name] of liveIndexes) await db.raw(`DROP INDEX IF EXISTS ${name}`);
}
