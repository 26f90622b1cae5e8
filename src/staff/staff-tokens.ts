import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Db } from '../db/db';
import { tokenSchema } from './staff.schema';
import {
  findStaffToken,
  insertStaffToken,
  markStaffTokenUsed,
  newestStaffTokenId,
  retireStaffTokens,
  type StoredToken,
  type TokenPurpose,
} from './staff-tokens.repo';

/**
 * Single-use links for staff (invitation, password reset): 256 random bits in the mail, only
 * their SHA-256 in the database (a leaked table opens nothing). A token from a link must be
 * exactly the 43 characters we sent — nothing is trimmed or case-folded — and the stored hash
 * is compared again in constant time (MySQL's collations would ignore case and trailing spaces).
 */
export const tokenLifetimes: Record<TokenPurpose, number> = { invite: 72 * 3600_000, reset: 3600_000 };

const hashOf = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

/**
 * A new link for the account. Issuing only inserts (older links lose by being older, checked on
 * use), so requests arriving together never lock one another's rows.
 */
export async function issueStaffToken(db: Db, staffId: number, purpose: TokenPurpose, now: number): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await insertStaffToken(
    db,
    { staffId, purpose, tokenHash: hashOf(token), expiresAt: now + tokenLifetimes[purpose] },
    now,
  );
  return token;
}

/** The unused, unexpired token of this purpose that the value from a link names, or null. */
export async function validStaffToken(
  db: Db,
  raw: unknown,
  purpose: TokenPurpose,
  now: number,
): Promise<StoredToken | null> {
  const parsed = tokenSchema.safeParse(raw);
  if (!parsed.success) return null;
  const hash = hashOf(parsed.data);
  const stored = await findStaffToken(db, hash);
  if (
    !stored ||
    stored.tokenHash.length !== hash.length ||
    !timingSafeEqual(Buffer.from(stored.tokenHash), Buffer.from(hash))
  )
    return null;
  if (stored.purpose !== purpose || stored.usedAt !== null || stored.expiresAt <= now) return null;
  if ((await newestStaffTokenId(db, stored.staffId, purpose)) !== stored.id) return null;
  return stored;
}

/** Uses the token up (and any older one); false when it was used meanwhile (two tabs submitting at once). */
export async function useStaffToken(db: Db, token: StoredToken, now: number): Promise<boolean> {
  if (!(await markStaffTokenUsed(db, token.id, now))) return false;
  await retireStaffTokens(db, token.staffId, token.purpose, now);
  return true;
}
