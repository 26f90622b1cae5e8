import type { Knex } from 'knex';

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
