import type { Knex } from 'knex';

export type TwoFactorRow = { secretEncrypted: string; enabledAt: number | null; lastUsedStep: number | null };

export async function findTwoFactor(db: Knex, staffId: number): Promise<TwoFactorRow | undefined> {
  const row = await db('staff_two_factor')
    .where({ staff_id: staffId })
    .first('secret_encrypted', 'enabled_at', 'last_used_step');
  if (!row) return undefined;
  return {
    secretEncrypted: String(row.secret_encrypted),
    enabledAt: row.enabled_at == null ? null : Number(row.enabled_at),
    lastUsedStep: row.last_used_step == null ? null : Number(row.last_used_step),
  };
}

/** A new secret waiting for its first code (replaces an earlier unfinished one). */
export async function savePendingSecret(
  db: Knex,
  staffId: number,
  secretEncrypted: string,
  now: number,
): Promise<void> {
  await db('staff_two_factor').where({ staff_id: staffId }).whereNull('enabled_at').del();
  await db('staff_two_factor').insert({
    staff_id: staffId,
    secret_encrypted: secretEncrypted,
    enabled_at: null,
    last_used_step: null,
    created_at: now,
    updated_at: now,
  });
}

/**
 * Records that the code of `step` was used, only if no later or equal step was used before:
 * one conditional UPDATE, so two requests with the same code cannot both succeed.
 */
export async function claimStep(db: Knex, staffId: number, step: number, now: number): Promise<boolean> {
  const changed = await db('staff_two_factor')
    .where({ staff_id: staffId })
    .andWhere((q) => q.whereNull('last_used_step').orWhere('last_used_step', '<', step))
    .update({ last_used_step: step, updated_at: now });
  return Number(changed) === 1;
}

export async function markEnabled(db: Knex, staffId: number, now: number): Promise<void> {
  await db('staff_two_factor').where({ staff_id: staffId }).update({ enabled_at: now, updated_at: now });
}

export async function deleteTwoFactor(db: Knex, staffId: number): Promise<void> {
  await db('staff_recovery_codes').where({ staff_id: staffId }).del();
  await db('staff_two_factor').where({ staff_id: staffId }).del();
}

export async function replaceRecoveryCodes(db: Knex, staffId: number, hashes: string[], now: number): Promise<void> {
  await db('staff_recovery_codes').where({ staff_id: staffId }).del();
  await db('staff_recovery_codes').insert(
    hashes.map((code_hash) => ({ staff_id: staffId, code_hash, used_at: null, created_at: now })),
  );
}

/** Uses a recovery code: true only for the one request that marked it used. */
export async function useRecoveryCode(db: Knex, staffId: number, hash: string, now: number): Promise<boolean> {
  const changed = await db('staff_recovery_codes')
    .where({ staff_id: staffId, code_hash: hash })
    .whereNull('used_at')
    .update({ used_at: now });
  return Number(changed) >= 1;
}

export async function countUnusedRecoveryCodes(db: Knex, staffId: number): Promise<number> {
  const rows = await db('staff_recovery_codes')
    .where({ staff_id: staffId })
    .whereNull('used_at')
    .count<{ n: number }[]>({ n: '*' });
  return Number(rows[0]?.n ?? 0);
}
