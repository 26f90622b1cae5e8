import type { Knex } from 'knex';

export type TokenPurpose = 'invite' | 'reset';
export type StoredToken = {
  id: number;
  staffId: number;
  purpose: TokenPurpose;
  tokenHash: string;
  expiresAt: number;
  usedAt: number | null;
};

export async function insertStaffToken(
  db: Knex,
  token: { staffId: number; purpose: TokenPurpose; tokenHash: string; expiresAt: number },
  now: number,
): Promise<void> {
  await db('staff_tokens').insert({
    staff_id: token.staffId,
    purpose: token.purpose,
    token_hash: token.tokenHash,
    expires_at: token.expiresAt,
    created_at: now,
  });
}

export async function findStaffToken(db: Knex, tokenHash: string): Promise<StoredToken | undefined> {
  const r = await db('staff_tokens')
    .where({ token_hash: tokenHash })
    .first('id', 'staff_id', 'purpose', 'token_hash', 'expires_at', 'used_at');
  return r
    ? {
        id: Number(r.id),
        staffId: Number(r.staff_id),
        purpose: r.purpose,
        tokenHash: String(r.token_hash),
        expiresAt: Number(r.expires_at),
        usedAt: r.used_at === null ? null : Number(r.used_at),
      }
    : undefined;
}

/** Marks a token used unless it already is; false when another request used it first. */
export async function markStaffTokenUsed(db: Knex, id: number, now: number): Promise<boolean> {
  return (await db('staff_tokens').where({ id }).whereNull('used_at').update({ used_at: now })) === 1;
}

/** The newest token of this purpose for the account: only the latest mail's link works. */
export async function newestStaffTokenId(db: Knex, staffId: number, purpose: TokenPurpose): Promise<number | null> {
  const row = await db('staff_tokens')
    .where({ staff_id: staffId, purpose })
    .max<{ id: number | null }>({ id: 'id' })
    .first();
  return row?.id == null ? null : Number(row.id);
}

/** Once a link was used, the older ones of the same purpose are spent too. */
export async function retireStaffTokens(db: Knex, staffId: number, purpose: TokenPurpose, now: number): Promise<void> {
  await db('staff_tokens').where({ staff_id: staffId, purpose }).whereNull('used_at').update({ used_at: now });
}

export async function deleteExpiredStaffTokens(db: Knex, now: number): Promise<number> {
  return db('staff_tokens').where('expires_at', '<', now).del();
}
