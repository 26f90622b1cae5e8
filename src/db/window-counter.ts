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
    // Assignments run left to right: hits is decided before reset_at changes.
    await db.raw(
      'INSERT INTO rate_limits (bucket, hits, reset_at) VALUES (?, 1, ?) ON DUPLICATE KEY UPDATE ' +
        'hits = IF(reset_at <= ?, 1, hits + 1), reset_at = IF(reset_at <= ?, ?, reset_at)',
      [bucket, resetAt, now, now, resetAt],
    );
  } else {
    await db.raw(
      'INSERT INTO rate_limits (bucket, hits, reset_at) VALUES (?, 1, ?) ON CONFLICT (bucket) DO UPDATE SET ' +
        'hits = CASE WHEN rate_limits.reset_at <= ? THEN 1 ELSE rate_limits.hits + 1 END, ' +
        'reset_at = CASE WHEN rate_limits.reset_at <= ? THEN excluded.reset_at ELSE rate_limits.reset_at END',
      [bucket, resetAt, now, now],
    );
  }
  const row = await db('rate_limits').where({ bucket }).first<{ hits: number; reset_at: number }>('hits', 'reset_at');
  return { hits: Number(row?.hits ?? 1), resetAt: Number(row?.reset_at ?? resetAt) };
}
