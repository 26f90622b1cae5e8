import type { Knex } from 'knex';
import { tesseraTables } from '../../src/db/introspect';

/**
 * The content of every Tessera table (each row as JSON, sorted), to compare before and after
 * requests that must change nothing. Tables a request touches by design whatever it asks
 * (the session's last-seen time, rate-limit counters) are left out by default.
 */
export async function snapshotTables(
  db: Knex,
  skip: string[] = ['sessions', 'rate_limits'],
): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const table of tesseraTables) {
    if (skip.includes(table)) continue;
    const rows = await db(table).select('*');
    out[table] = rows.map((r) => JSON.stringify(r)).sort();
  }
  return out;
}
