import type { Knex } from 'knex';

export async function readCounter(db: Knex, bucket: string): Promise<{ hits: number; resetAt: number } | undefined> {
  const row = await db('rate_limits')
    .where({ bucket })
    .first<{ hits: number; reset_at: number } | undefined>('hits', 'reset_at');
  return row ? { hits: Number(row.hits), resetAt: Number(row.reset_at) } : undefined;
}

export async function deleteCounter(db: Knex, bucket: string): Promise<void> {
  await db('rate_limits').where({ bucket }).del();
}

/** Takes one hit back (never below zero), for attempts that turned out legitimate. */
export async function giveBackHit(db: Knex, bucket: string): Promise<void> {
  await db('rate_limits').where({ bucket }).andWhere('hits', '>', 0).decrement('hits', 1);
}

export async function deleteExpiredCounters(db: Knex, now: number): Promise<number> {
  return db('rate_limits').where('reset_at', '<=', now).del();
}
