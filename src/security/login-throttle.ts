import type { Db } from '../db/db';
import { hitWindowCounter } from '../db/window-counter';
import { clientKey } from './client-key';
import { deleteCounter, giveBackHit } from './rate-limit.repo';

/**
 * Sign-in attempts are counted per IP address and per account in the database, so every
 * instance sees the same counts. Each attempt is counted BEFORE its password is checked, so a
 * burst of parallel guesses is throttled like sequential ones. A success clears the account's
 * count and gives back its IP hit, so an office behind one address is not locked out by use.
 */
export const loginLimits = {
  perIp: { max: 20, windowMs: 15 * 60_000 },
  perAccount: { max: 8, windowMs: 15 * 60_000 },
};

const ipBucket = (ip: string) => `login-ip:${clientKey(ip)}`;
const accountBucket = (email: string) => `login-acct:${email.toLowerCase().slice(0, 160)}`;

/**
 * Counts one attempt in each bucket; returns the seconds to wait when any is over its limit,
 * or 0 to go ahead (shared with the code throttle, code-throttle.ts).
 */
export async function countAttempt(db: Db, buckets: Array<{ key: string; max: number; windowMs: number }>, now: number): Promise<number> {
  let wait = 0;
  for (const bucket of buckets) {
    const counter = await hitWindowCounter(db, bucket.key, bucket.windowMs, now);
    if (counter.hits > bucket.max) wait = Math.max(wait, counter.resetAt - now);
  }
  return Math.ceil(wait / 1000);
}

/** Counts a sign-in attempt; returns the seconds to wait when over a limit, or 0 to go ahead. */
export async function countLoginAttempt(db: Db, ip: string, email: string, now: number): Promise<number> {
  return countAttempt(db, [{ key: ipBucket(ip), ...loginLimits.perIp }, { key: accountBucket(email), ...loginLimits.perAccount }], now);
}

export async function loginSucceeded(db: Db, ip: string, email: string): Promise<void> {
  await deleteCounter(db, accountBucket(email));
  await giveBackHit(db, ipBucket(ip));
}
