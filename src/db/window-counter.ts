import type { Knex } from 'knex';
import { clientOf } from './dialect';

export type WindowCount = { hits: number; resetAt: number };

/**
 * Adds one hit (or `amount`, e.g. kilobytes uploaded) to a fixed-window counter in one atomic
 * statement, starting a new window when the old one has passed, and returns the count. Shared
 * by every instance through the database.
 */
export async function hitWindowCounter(
  db: Knex,
  bucket: string,
  windowMs: number,
  now: number,
  amount = 1,
): Promise<WindowCount> {
  const resetAt = now + windowMs;
  const n = Math.max(0, Math.min(Math.floor(amount), 1_000_000_000));
  if (clientOf(db) === 'mysql') return hitOnMysql(db, bucket, n, resetAt, now);
  // The count this hit made, returned by the same statement: never another hit's.
  const result = (await db.raw(
    'INSERT INTO rate_limits (bucket, hits, reset_at) VALUES (?, ?, ?) ON CONFLICT (bucket) DO UPDATE SET ' +
      'hits = CASE WHEN rate_limits.reset_at <= ? THEN excluded.hits ELSE rate_limits.hits + excluded.hits END, ' +
      'reset_at = CASE WHEN rate_limits.reset_at <= ? THEN excluded.reset_at ELSE rate_limits.reset_at END ' +
      'RETURNING hits, reset_at',
    [bucket, n, resetAt, now, now],
  )) as Array<{ hits: number; reset_at: number }> | { rows: Array<{ hits: number; reset_at: number }> };
  const row = Array.isArray(result) ? result[0] : result.rows[0];
  return { hits: Number(row?.hits ?? n), resetAt: Number(row?.reset_at ?? resetAt) };
}

/**
 * MySQL has no RETURNING: the new count travels through LAST_INSERT_ID(), which belongs to the
 * connection, so a concurrent hit cannot change what this one reads. Both statements run on one
 * connection held for them. Called outside a transaction, there is none: the upsert commits on its
 * own (BEGIN and COMMIT would be two more round trips), and reset_at, read unlocked after it, may
 * already be a newer window's (at worst a slightly wrong Retry-After). Inside a caller's transaction
 * knex hands back that transaction's connection, and the row stays locked until the caller commits.
 */
async function hitOnMysql(db: Knex, bucket: string, n: number, resetAt: number, now: number): Promise<WindowCount> {
  const connection = await db.client.acquireConnection();
  try {
    await db('rate_limits')
      .connection(connection)
      .insert({ bucket, hits: db.raw('LAST_INSERT_ID(?)', [n]), reset_at: resetAt })
      .onConflict('bucket')
      // Assignments run left to right: hits is decided before reset_at changes.
      .merge({
        hits: db.raw('LAST_INSERT_ID(IF(reset_at <= ?, ?, hits + ?))', [now, n, n]),
        reset_at: db.raw('IF(reset_at <= ?, ?, reset_at)', [now, resetAt]),
      });
    const row = await db('rate_limits')
      .connection(connection)
      .where({ bucket })
      .first<{ hits: number; reset_at: number } | undefined>(db.raw('LAST_INSERT_ID() AS hits'), 'reset_at');
    return { hits: Number(row?.hits ?? n), resetAt: Number(row?.reset_at ?? resetAt) };
  } finally {
    await db.client.releaseConnection(connection);
  }
}
