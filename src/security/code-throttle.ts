import type { Db } from '../db/db';
import { clientKey } from './client-key';
import { deleteCounter, giveBackHit } from './rate-limit.repo';
import { countAttempt, loginLimits } from './login-throttle';

/**
 * Second-factor codes (and password confirmations for sensitive pages) are throttled like
 * sign-in passwords: counted before they are checked, per IP (sharing the sign-in counter) and
 * per account in a counter of their own, which a correct password does not clear — knowing the
 * password must not buy fresh guesses at the code.
 */
const ipBucket = (ip: string) => `login-ip:${clientKey(ip)}`;
const accountBucket = (staffId: number) => `code-acct:${staffId}`;
export const codeLimits = { perAccount: { max: 6, windowMs: 15 * 60_000 } };

/** Counts an attempt; returns the seconds to wait when over a limit, or 0 to go ahead. */
export async function countCodeAttempt(db: Db, ip: string, staffId: number, now: number): Promise<number> {
  return countAttempt(
    db,
    [
      { key: ipBucket(ip), ...loginLimits.perIp },
      { key: accountBucket(staffId), ...codeLimits.perAccount },
    ],
    now,
  );
}

export async function codeSucceeded(db: Db, ip: string, staffId: number): Promise<void> {
  await deleteCounter(db, accountBucket(staffId));
  await giveBackHit(db, ipBucket(ip));
}
