import { createHash } from 'node:crypto';
import type { Db } from '../db/db';
import { hitWindowCounter } from '../db/window-counter';
import { clientKey } from './client-key';
import { deleteCounter, giveBackHit } from './rate-limit.repo';

/**
 * Sign-in attempts are counted in the database (every instance sees the same counts), BEFORE the
 * password is checked, so a burst of parallel guesses is throttled like sequential ones:
 * - per IP address (all accounts): past the limit that address is refused (429);
 * - per account AND address (the "pair"): past the limit only that pair is refused, so someone
 *   guessing at the admin's address cannot refuse the admin's own sign-in from elsewhere;
 * - per account over all addresses: never refused, only slowed down (a growing, capped delay),
 *   which is what a distributed guesser meets;
 * - per known device (a signed cookie from an earlier sign-in to this account, device-cookie.ts):
 *   such an attempt is counted on its own and neither slowed nor refused by others' failures.
 * A success clears the pair's (or device's) count and the account's, and gives back its IP hit,
 * so an office behind one address is not locked out by use.
 */
export const loginLimits = {
  perIp: { max: 20, windowMs: 15 * 60_000 },
  perPair: { max: 8, windowMs: 15 * 60_000 },
  perDevice: { max: 8, windowMs: 15 * 60_000 },
  /** Attempts on one account from everywhere before the delay starts, and how it grows. */
  perAccount: { freeAttempts: 8, windowMs: 15 * 60_000, firstDelayMs: 500, maxDelayMs: 4_000 },
};

const emailKey = (email: string) => email.toLowerCase().slice(0, 160);
const ipBucket = (ip: string) => `login-ip:${clientKey(ip)}`;
// Hashed: an IPv6 network and a long address together would not fit the 191-character key.
const pairBucket = (email: string, ip: string) =>
  `login-pair:${createHash('sha256')
    .update(`${clientKey(ip)}|${emailKey(email)}`)
    .digest('hex')}`;
const accountBucket = (email: string) => `login-acct:${emailKey(email)}`;
const deviceBucket = (deviceId: string) => `login-dev:${deviceId.slice(0, 64)}`;

type Bucket = { key: string; max: number; windowMs: number };

/**
 * Counts one attempt in each bucket; returns the seconds to wait when any is over its limit,
 * or 0 to go ahead (shared with the code throttle, code-throttle.ts).
 */
export async function countAttempt(db: Db, buckets: Bucket[], now: number): Promise<number> {
  let wait = 0;
  for (const bucket of buckets) {
    const counter = await hitWindowCounter(db, bucket.key, bucket.windowMs, now);
    if (counter.hits > bucket.max) wait = Math.max(wait, counter.resetAt - now);
  }
  return Math.ceil(wait / 1000);
}

/** The delay for the n-th attempt on one account in a window: none at first, then doubling, capped. */
export function accountDelayMs(attempts: number): number {
  const over = attempts - loginLimits.perAccount.freeAttempts;
  if (over <= 0) return 0;
  return Math.min(loginLimits.perAccount.maxDelayMs, loginLimits.perAccount.firstDelayMs * 2 ** Math.min(over - 1, 16));
}

export type LoginVerdict = { waitSeconds: number; delayMs: number };

/**
 * Counts a sign-in attempt. `waitSeconds` > 0: refuse (this address, or this pair or device, is
 * over its limit). Otherwise `delayMs` is how long to hold the answer back (0 for a known device).
 */
export async function countLoginAttempt(
  db: Db,
  attempt: { ip: string; email: string; deviceId: string | null },
  now: number,
): Promise<LoginVerdict> {
  const own: Bucket = attempt.deviceId
    ? { key: deviceBucket(attempt.deviceId), ...loginLimits.perDevice }
    : { key: pairBucket(attempt.email, attempt.ip), ...loginLimits.perPair };
  const waitSeconds = await countAttempt(db, [{ key: ipBucket(attempt.ip), ...loginLimits.perIp }, own], now);
  if (waitSeconds > 0 || attempt.deviceId) return { waitSeconds, delayMs: 0 };
  const account = await hitWindowCounter(db, accountBucket(attempt.email), loginLimits.perAccount.windowMs, now);
  return { waitSeconds: 0, delayMs: accountDelayMs(account.hits) };
}

export async function loginSucceeded(
  db: Db,
  attempt: { ip: string; email: string; deviceId: string | null },
): Promise<void> {
  await deleteCounter(db, attempt.deviceId ? deviceBucket(attempt.deviceId) : pairBucket(attempt.email, attempt.ip));
  await deleteCounter(db, accountBucket(attempt.email));
  await giveBackHit(db, ipBucket(attempt.ip));
}
