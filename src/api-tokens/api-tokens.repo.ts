import type { Knex } from 'knex';
import { insertReturningId } from '../db/insert';

export type ApiToken = {
  id: number;
  staffId: number;
  staffName: string;
  name: string;
  hint: string;
  createdAt: number;
  expiresAt: number | null;
  lastUsedAt: number | null;
};

const columns = [
  'k.id',
  'k.staff_id',
  's.name as staff_name',
  'k.name',
  'k.token_hint',
  'k.created_at',
  'k.expires_at',
  'k.last_used_at',
];
const num = (v: unknown) => (v == null ? null : Number(v));
const toToken = (r: Record<string, unknown>): ApiToken => ({
  id: Number(r.id),
  staffId: Number(r.staff_id),
  staffName: String(r.staff_name),
  name: String(r.name),
  hint: String(r.token_hint),
  createdAt: Number(r.created_at),
  expiresAt: num(r.expires_at),
  lastUsedAt: num(r.last_used_at),
});
const withOwner = (db: Knex) => db('api_tokens as k').join('staff_users as s', 's.id', 'k.staff_id');

export async function insertApiToken(
  db: Knex,
  row: { staffId: number; name: string; hash: string; hint: string; expiresAt: number | null },
  now: number,
): Promise<number> {
  return insertReturningId(db, 'api_tokens', {
    staff_id: row.staffId,
    name: row.name,
    token_hash: row.hash,
    token_hint: row.hint,
    created_at: now,
    expires_at: row.expiresAt,
    last_used_at: null,
  });
}

/** One person's tokens, newest first (index staff_id, created_at). */
export async function listTokensOfStaff(db: Knex, staffId: number, limit: number): Promise<ApiToken[]> {
  const rows = await withOwner(db)
    .where('k.staff_id', staffId)
    .orderBy([
      { column: 'k.created_at', order: 'desc' },
      { column: 'k.id', order: 'desc' },
    ])
    .limit(limit)
    .select(columns);
  return rows.map(toToken);
}

/** Everyone's tokens, newest first (index created_at), for administrators. */
export async function listAllTokens(db: Knex, limit: number): Promise<ApiToken[]> {
  const rows = await withOwner(db)
    .orderBy([
      { column: 'k.created_at', order: 'desc' },
      { column: 'k.id', order: 'desc' },
    ])
    .limit(limit)
    .select(columns);
  return rows.map(toToken);
}

/** How many tokens a person holds (index staff_id, created_at). */
export async function countTokensOfStaff(db: Knex, staffId: number): Promise<number> {
  const [row] = await db('api_tokens').where({ staff_id: staffId }).count<{ n: number }[]>({ n: '*' });
  return Number(row?.n ?? 0);
}

export async function findTokenById(db: Knex, id: number): Promise<ApiToken | undefined> {
  const row = await withOwner(db).where('k.id', id).first(columns);
  return row ? toToken(row) : undefined;
}

export async function findTokenByHash(db: Knex, hash: string): Promise<ApiToken | undefined> {
  const row = await withOwner(db).where('k.token_hash', hash).first(columns);
  return row ? toToken(row) : undefined;
}

/** Revokes every token of one person (password changed or reset, account deactivated); returns how many. */
export async function deleteTokensOfStaff(db: Knex, staffId: number): Promise<number> {
  return db('api_tokens').where({ staff_id: staffId }).del();
}

export async function deleteApiToken(db: Knex, id: number): Promise<void> {
  await db('api_tokens').where({ id }).del();
}

/**
 * Notes a use, unless one was noted in the last `everyMs`: the condition makes concurrent
 * requests (and processes) write once per interval, not once per request.
 */
export async function touchToken(db: Knex, id: number, now: number, everyMs: number): Promise<void> {
  await db('api_tokens')
    .where({ id })
    .andWhere((q) => q.whereNull('last_used_at').orWhere('last_used_at', '<=', now - everyMs))
    .update({ last_used_at: now });
}
