import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import { retryOnConflict } from '../db/transaction';
import { completeKey, deleteExpiredKeys, deleteKey, findKey, reserveKey } from './idempotency.repo';

/** How long a key is remembered (and its response replayed). */
export const idempotencyLifetimeMs = 24 * 3600_000;

/** A key as the header carries it: 1 to 191 visible ASCII characters (a UUID fits well). */
export const idempotencyKeyPattern = /^[\x21-\x7e]{1,191}$/;

export type StoredResponse = { status: number; body: unknown; location: string | null };

export type Claim =
  | { kind: 'reserved'; id: number } // this request runs; complete or release it afterwards
  | { kind: 'replay'; response: StoredResponse } // the first request's answer, to send again
  | { kind: 'reused' } // the key came with a different request
  | { kind: 'in_progress' }; // the first request with this key is still running

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * Claims an Idempotency-Key for one token. The reservation is a row under a unique index, so of
 * two concurrent requests with one key exactly one gets `reserved`; the other sees it running
 * or finished. A key older than the lifetime is forgotten, as if the sweep had removed it.
 */
export async function claimIdempotencyKey(
  db: Knex,
  tokenId: number,
  key: string,
  fingerprint: string,
  now: number,
): Promise<Claim> {
  const keyHash = sha256(key);
  for (let attempt = 0; attempt < 3; attempt++) {
    const id = await retryOnConflict(() => reserveKey(db, { tokenId, keyHash, fingerprint }, now));
    if (id !== null) return { kind: 'reserved', id };
    const found = await findKey(db, tokenId, keyHash);
    if (!found) continue; // released in between: try again
    if (found.createdAt < now - idempotencyLifetimeMs) {
      await deleteKey(db, found.id, now - idempotencyLifetimeMs);
      continue;
    }
    if (found.fingerprint !== fingerprint) return { kind: 'reused' };
    if (found.statusCode === null || found.response === null) return { kind: 'in_progress' };
    const stored = JSON.parse(found.response) as { body: unknown; location: string | null };
    return { kind: 'replay', response: { status: found.statusCode, body: stored.body, location: stored.location } };
  }
  return { kind: 'in_progress' };
}

/** Keeps the answer of a reserved key, to replay for a repeat. */
export async function completeIdempotencyKey(db: Knex, id: number, response: StoredResponse): Promise<void> {
  await retryOnConflict(() =>
    completeKey(db, id, response.status, JSON.stringify({ body: response.body, location: response.location })),
  );
}

/** Frees a reserved key whose request created nothing (refused or failed), so a retry runs. */
export async function releaseIdempotencyKey(db: Knex, id: number): Promise<void> {
  await retryOnConflict(() => deleteKey(db, id));
}

export async function sweepIdempotencyKeys(db: Knex, now: number): Promise<number> {
  return deleteExpiredKeys(db, now - idempotencyLifetimeMs);
}

/** The request a key stands for: method, path and body, with object keys in a fixed order. */
export function requestFingerprint(method: string, path: string, body: unknown, files: readonly string[] = []): string {
  return sha256(JSON.stringify([method.toUpperCase(), path, canonical(body), files]));
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  return value;
}
