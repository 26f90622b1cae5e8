import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Db } from '../db/db';
import { tokenSchema } from './staff.schema';
import { findStaffToken, insertStaffToken, markStaffTokenUsed, retireStaffTokens, type StoredToken, type TokenPurpose } from './staff-tokens.repo';

/**
 * Single-use links for staff (invitation, password reset): 256 random bits in the mail, only
 * their SHA-256 in the database (a leaked table opens nothing). A token from a link must be
 * exactly the 43 characters we sent — nothing is trimmed or case-folded — and the stored hash
 * is compared again in constant time (MySQL's collations would ignore case and trailing spaces).
 */
export const tokenLifetimes: Record<TokenPurpose, number> = { invite: 72 * 3600_000, reset: 3600_000 };

const hashOf = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

export async function issueStaffToken(db: Db, staffId: number, purpose: TokenPurpose, now: number): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await retireStaffTokens(db, staffId, purpose, now);
  await insertStaffToken(db, { staffId, purpose, tokenHash: hashOf(token), expiresAt: now + tokenLifetimes[purpose] }, now);
  return token;
}

/** The unused, unexpired token of this purpose that the value from a link names, or null. */
export async function validStaffToken(db: Db, raw: unknown, purpose: TokenPurpose, now: number): Promise<StoredToken | null> {
  const parsed = tokenSchema.safeParse(raw);
  if (!parsed.success) return null;
  const hash = hashOf(parsed.data);
  const stored = await findStaffToken(db, hash);
  if (!stored || stored.tokenHash.length !== hash.length || !timingSafeEqual(Buffer.from(stored.tokenHash), Buffer.from(hash))) return null;
  if (stored.purpose !== purpose || stored.usedAt !== null || stored.expiresAt <= now) return null;
  return stored;
}

/** Uses the token up; false when it was used meanwhile (two tabs submitting at once). */
export const useStaffToken = (db: Db, token: StoredToken, now: number) => markStaffTokenUsed(db, token.id, now);
