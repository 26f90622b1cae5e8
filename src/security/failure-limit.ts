import type { Db } from '../db/db';
import { hitWindowCounter } from '../db/window-counter';
import { TooManyRequestsError } from '../errors';
import { readCounter } from './rate-limit.repo';

/**
 * Guessing limits (tracking IDs, API tokens): failures are counted per client in a fixed window;
 * past the limit every attempt of that client is refused, the right guess included, until the
 * window is over. Checked BEFORE looking anything up, so refusing costs no lookup.
 */
export async function assertUnderFailureLimit(db: Db, bucket: string, limit: number, now: number): Promise<void> {
  const state = await readCounter(db, bucket);
  if (state && state.hits >= limit && state.resetAt > now)
    throw new TooManyRequestsError(
      'Too many failed attempts. Please try again later.',
      Math.ceil((state.resetAt - now) / 1000),
    );
}

export async function countFailure(db: Db, bucket: string, windowMs: number, now: number): Promise<void> {
  await hitWindowCounter(db, bucket, windowMs, now);
}
