import type { Db } from '../db/db';
import { hitWindowCounter } from '../db/window-counter';
import { TooManyRequestsError } from '../errors';

/**
 * A plain request budget per client (public reads that anyone may make, such as knowledge-base
 * searches through the API): every request counts in a fixed window shared by all instances
 * through the database; past `max` the client waits until the window ends.
 */
export async function spendReadBudget(
  db: Db,
  bucket: string,
  limit: { max: number; windowMs: number },
  now: number,
): Promise<void> {
  const { hits, resetAt } = await hitWindowCounter(db, bucket, limit.windowMs, now);
  if (hits > limit.max)
    throw new TooManyRequestsError(
      'Too many requests. Please try again later.',
      Math.max(1, Math.ceil((resetAt - now) / 1000)),
    );
}
