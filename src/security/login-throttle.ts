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

/** Counts an attempt; returns the seconds to wait when over a limit, or 0 to go ahead. */
export async function countLoginAttempt(db: Db, ip: string, email: string, now: number): Promise<number> {
  const perIp = await hitWindowCounter(db, ipBucket(ip), loginLimits.perIp.windowMs, now);
  const perAccount = await hitWindowCounter(db, accountBucket(email), loginLimits.perAccount.windowMs, now);
  let wait = 0;
  if (perIp.hits > loginLimits.perIp.max) wait = Math.max(wait, perIp.resetAt - now);
  if (perAccount.hits > loginLimits.perAccount.max) wait = Math.max(wait, perAccount.resetAt - now);
  return Math.ceil(wait / 1000);
}

export async function loginSucceeded(db: Db, ip: string, email: string): Promise<void> {
  await deleteCounter(db, accountBucket(email));
  await giveBackHit(db, ipBucket(ip));
}
