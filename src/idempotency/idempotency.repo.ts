import type { Knex } from 'knex';
import { isUniqueViolation } from '../db/dialect';
import { insertReturningId } from '../db/insert';

export type IdempotencyRecord = {
  id: number;
  fingerprint: string;
  statusCode: number | null;
  response: string | null;
  createdAt: number;
};

/** Reserves a key for one token; null when the token already holds it (unique index). */
export async function reserveKey(
  db: Knex,
  row: { tokenId: number; keyHash: string; fingerprint: string },
  now: number,
): Promise<number | null> {
  try {
    return await insertReturningId(db, 'api_idempotency_keys', {
      token_id: row.tokenId,
      key_hash: row.keyHash,
      fingerprint: row.fingerprint,
      created_at: now,
    });
  } catch (err) {
    if (isUniqueViolation(err)) return null;
    throw err;
  }
}

export async function findKey(db: Knex, tokenId: number, keyHash: string): Promise<IdempotencyRecord | undefined> {
  const r = await db('api_idempotency_keys')
    .where({ token_id: tokenId, key_hash: keyHash })
    .first('id', 'fingerprint', 'status_code', 'response', 'created_at');
  return r
    ? {
        id: Number(r.id),
        fingerprint: String(r.fingerprint),
        statusCode: r.status_code == null ? null : Number(r.status_code),
        response: r.response ?? null,
        createdAt: Number(r.created_at),
      }
    : undefined;
}

export async function completeKey(db: Knex, id: number, statusCode: number, response: string): Promise<void> {
  await db('api_idempotency_keys').where({ id }).update({ status_code: statusCode, response });
}

/** Removes a reservation, or (with `createdBefore`) only an expired one. */
export async function deleteKey(db: Knex, id: number, createdBefore?: number): Promise<void> {
  const q = db('api_idempotency_keys').where({ id });
  if (createdBefore !== undefined) q.andWhere('created_at', '<', createdBefore);
  await q.del();
}

export async function deleteExpiredKeys(db: Knex, createdBefore: number): Promise<number> {
  return db('api_idempotency_keys').where('created_at', '<', createdBefore).del();
}
