import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { recordAudit } from '../audit/audit.repo';
import type { Clock } from '../clock';
import type { Db } from '../db/db';
import { withTransaction } from '../db/transaction';
import { NotFoundError, ValidationError } from '../errors';
import { can, type CapabilityHolder } from '../staff/capabilities';
import { fieldErrors } from '../setup/setup.schema';
import { findStaffById, toStaff, type Staff } from '../staff/staff.repo';
import {
  countTokensOfStaff,
  deleteApiToken,
  findTokenByHash,
  findTokenById,
  insertApiToken,
  listAllTokens,
  listTokensOfStaff,
  touchToken,
  type ApiToken,
} from './api-tokens.repo';

type Deps = { db: Db; clock: Clock };
type Owner = CapabilityHolder & { id: number; name: string };

/** Recognisable in logs and by secret scanners; 32 random bytes (256 bits) follow it. */
export const tokenPrefix = 'tsr_';
const tokenPattern = /^tsr_[A-Za-z0-9_-]{43}$/;
const lastUsedEveryMs = 60_000;
const listLimit = 500;
/** Tokens one person may hold: enough for every program they run, and a bound on the table and the page. */
export const tokensPerPerson = 50;
const dayMs = 86_400_000;

export const expiryChoices = ['30', '90', '365', 'never'] as const;

// eslint-disable-next-line no-control-regex
const noControl = (v: string) => !/[\u0000-\u001f\u007f]/.test(v);
export const newTokenSchema = z.object({
  name: z
    .string({ error: 'form.required' })
    .trim()
    .min(1, { error: 'form.required' })
    .max(120, { error: 'form.tooLong' })
    .refine(noControl, { error: 'form.invalidCharacters' }),
  expires: z.enum(expiryChoices, { error: 'form.invalid' }),
});

const hashOf = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

/** Administrators (and roles that manage staff) see and revoke everyone's tokens. */
export const seesAllTokens = (staff: CapabilityHolder) => can(staff, 'staff.manage');

export async function listApiTokens(db: Db, staff: Owner): Promise<ApiToken[]> {
  return seesAllTokens(staff) ? listAllTokens(db, listLimit) : listTokensOfStaff(db, staff.id, listLimit);
}

/**
 * Creates a personal token and returns it in full: this is the only time it exists outside the
 * caller's hands, the database keeps its SHA-256 (a 256-bit random secret needs no slow hash).
 */
export async function createApiToken(
  deps: Deps,
  staff: Owner,
  input: unknown,
  ip: string,
): Promise<{ token: string; record: ApiToken }> {
  const parsed = newTokenSchema.safeParse(input);
  if (!parsed.success) throw new ValidationError('Check the token.', fieldErrors(parsed.error));
  const token = tokenPrefix + randomBytes(32).toString('base64url');
  const now = deps.clock.now();
  if ((await countTokensOfStaff(deps.db, staff.id)) >= tokensPerPerson)
    throw new ValidationError('Too many tokens.', {
      name: `apiTokens.tooMany|${JSON.stringify({ max: tokensPerPerson })}`,
    });
  const expiresAt = parsed.data.expires === 'never' ? null : now + Number(parsed.data.expires) * dayMs;
  const id = await withTransaction(deps.db, async (trx) => {
    const newId = await insertApiToken(
      trx,
      { staffId: staff.id, name: parsed.data.name, hash: hashOf(token), hint: token.slice(0, 10), expiresAt },
      now,
    );
    await recordAudit(
      trx,
      {
        actor: staff,
        action: 'api_token.created',
        target: { type: 'api_token', id: newId },
        details: { name: parsed.data.name, expiresAt },
        ip,
      },
      now,
    );
    return newId;
  });
  return { token, record: (await findTokenById(deps.db, id))! };
}

/** Revokes a token at once; someone else's token is "not found" unless the actor sees all. */
export async function revokeApiToken(deps: Deps, staff: Owner, id: number, ip: string): Promise<void> {
  const token = Number.isSafeInteger(id) && id > 0 ? await findTokenById(deps.db, id) : undefined;
  if (!token || (token.staffId !== staff.id && !seesAllTokens(staff))) throw new NotFoundError();
  await withTransaction(deps.db, async (trx) => {
    const now = deps.clock.now();
    await deleteApiToken(trx, token.id);
    await recordAudit(
      trx,
      {
        actor: staff,
        action: 'api_token.revoked',
        target: { type: 'api_token', id: token.id },
        details: { name: token.name, owner: { id: token.staffId, name: token.staffName } },
        ip,
      },
      now,
    );
  });
}

/**
 * The staff member a presented token acts for, or null for a malformed, unknown, expired or
 * revoked token or a deactivated account. The account is read on every request, so
 * deactivating someone (or changing their role) takes effect on their tokens at once.
 */
export async function authenticateApiToken(
  deps: Deps,
  presented: string,
): Promise<{ staff: Staff; token: ApiToken } | null> {
  if (!tokenPattern.test(presented)) return null;
  const token = await findTokenByHash(deps.db, hashOf(presented));
  const now = deps.clock.now();
  if (!token || (token.expiresAt !== null && token.expiresAt <= now)) return null;
  const row = await findStaffById(deps.db, token.staffId);
  if (!row?.is_active || !row.password_hash) return null;
  await touchToken(deps.db, token.id, now, lastUsedEveryMs);
  return { staff: toStaff(row), token };
}
