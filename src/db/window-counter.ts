import type { Knex } from 'knex';
import { clientOf } from './dialect';

export type WindowCount = { hits: number; resetAt: number };

/**
 * Adds one hit to a fixed-window counter in one atomic statement, starting a new window when
 * the old one has passed, and returns the count. Shared by every instance through the database.
 */
export async function hitWindowCounter(db: Knex, bucket: string, windowMs: number, now: number): Promise<WindowCount> {
  const resetAt = now + windowMs;
  if (clientOf(db) === 'mysql') {
    // MySQL has no RETURNING: the new count travels through LAST_INSERT_ID(), which belongs to the
    // connection, so a concurrent hit cannot change what this one reads. One pinned connection.
    return db.transaction(async (trx) => {
      await trx.raw(
        'INSERT INTO rate_limits (bucket, hits, reset_at) VALUES (?, LAST_INSERT_ID(1), ?) ON DUPLICATE KEY UPDATE ' +
          // Assignments run left to right: hits is decided before reset_at changes.
          'hits = LAST_INSERT_ID(IF(reset_at <= ?, 1, hits + 1)), reset_at = IF(reset_at <= ?, ?, reset_at)',
        [bucket, resetAt, now, now, resetAt],
      );
      const [rows] = (await trx.raw('SELECT LAST_INSERT_ID() AS hits, reset_at FROM rate_limits WHERE bucket = ?', [bucket])) as [Array<{ hits: number; reset_at: number }>];
      return { hits: Number(rows[0]?.hits ?? 1), resetAt: Number(rows[0]?.reset_at ?? resetAt) };
    });
  }
  // The count this hit made, returned by the same statement: never another hit's.
  const result = (await db.raw(
    'INSERT INTO rate_limits (bucket, hits, reset_at) VALUES (?, 1, ?) ON CONFLICT (bucket) DO UPDATE SET ' +
      'hits = CASE WHEN rate_limits.reset_at <= ? THEN 1 ELSE rate_limits.hits + 1 END, ' +
      'reset_at = CASE WHEN rate_limits.reset_at <= ? THEN excluded.reset_at ELSE rate_limits.reset_at END ' +
      'RETURNING hits, reset_at',
    [bucket, resetAt, now, now],
  )) as Array<{ hits: number; reset_at: number }> | { rows: Array<{ hits: number; reset_at: number }> };
  const row = Array.isArray(result) ? result[0] : result.rows[0];
  return { hits: Number(row?.hits ?? 1), resetAt: Number(row?.reset_at ?? resetAt) };
}
