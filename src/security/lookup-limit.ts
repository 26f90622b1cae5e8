import type { Db } from '../db/db';
import { hitWindowCounter } from '../db/window-counter';
import { TooManyRequestsError } from '../errors';
import { readCounter } from './rate-limit.repo';

const windowMs = 3600_000;
const bucket = (client: string) => `lookup:${client}`;

/**
 * Guessing tracking IDs: past the limit of misses, every lookup from that client is refused,
 * the right guess included, until the hour is over; checked BEFORE looking anything up.
 */
export async function assertLookupAllowed(db: Db, client: string, limit: number, now: number): Promise<void> {
  const state = await readCounter(db, bucket(client));
  if (state && state.hits >= limit && state.resetAt > now) throw new TooManyRequestsError('Too many failed attempts. Please try again later.', Math.ceil((state.resetAt - now) / 1000));
}

export async function countFailedLookup(db: Db, client: string, now: number): Promise<void> {
  await hitWindowCounter(db, bucket(client), windowMs, now);
}
