import type { Db } from '../db/db';
import { hitWindowCounter } from '../db/window-counter';
import { deleteCounter, readCounter } from './rate-limit.repo';

/**
 * Failed sign-ins are counted per IP address and per account in the database, so every instance
 * sees the same counts. Past either limit, sign-in is refused until the window ends.
 */
export const loginLimits = {
  perIp: { max: 20, windowMs: 15 * 60_000 },
  perAccount: { max: 8, windowMs: 15 * 60_000 },
};

const ipBucket = (ip: string) => `login-ip:${ip}`;
const accountBucket = (email: string) => `login-acct:${email.toLowerCase().slice(0, 160)}`;

/** Seconds until sign-in is allowed again, or 0 when it is allowed now. */
export async function loginBlockedFor(db: Db, ip: string, email: string, now: number): Promise<number> {
  const checks = [
    { state: await readCounter(db, ipBucket(ip)), max: loginLimits.perIp.max },
    { state: await readCounter(db, accountBucket(email)), max: loginLimits.perAccount.max },
  ];
  let wait = 0;
  for (const { state, max } of checks) {
    if (state && state.hits >= max && state.resetAt > now) wait = Math.max(wait, Math.ceil((state.resetAt - now) / 1000));
  }
  return wait;
}

export async function recordLoginFailure(db: Db, ip: string, email: string, now: number): Promise<void> {
  await hitWindowCounter(db, ipBucket(ip), loginLimits.perIp.windowMs, now);
  await hitWindowCounter(db, accountBucket(email), loginLimits.perAccount.windowMs, now);
}

export async function clearAccountFailures(db: Db, email: string): Promise<void> {
  await deleteCounter(db, accountBucket(email));
}
