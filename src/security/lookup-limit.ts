import type { Db } from '../db/db';
import { assertUnderFailureLimit, countFailure } from './failure-limit';

const windowMs = 3600_000;
const bucket = (client: string) => `lookup:${client}`;

/**
 * Guessing tracking IDs: past the limit of misses, every lookup from that client is refused,
 * the right guess included, until the hour is over; checked BEFORE looking anything up.
 */
export async function assertLookupAllowed(db: Db, client: string, limit: number, now: number): Promise<void> {
  await assertUnderFailureLimit(db, bucket(client), limit, now);
}

export async function countFailedLookup(db: Db, client: string, now: number): Promise<void> {
  await countFailure(db, bucket(client), windowMs, now);
}
