import { randomBytes } from 'node:crypto';
import { deleteTokensOfStaff } from '../api-tokens/api-tokens.repo';
import { recordAudit } from '../audit/audit.repo';
import type { Db, Trx } from '../db/db';
import { withTransaction } from '../db/transaction';
import { hitWindowCounter } from '../db/window-counter';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import { queueMail } from '../mail/mail.service';
import { clientKey } from '../security/client-key';
import { hashPassword, passwordProblem } from './password';
import { endStaffSessions, findStaffByEmail, findStaffById } from './staff.repo';
import { findStaffForAdmin, updateStaffAccount } from './staff-admin.repo';
import { changeableAccount, type StaffAdminDeps } from './staff-admin.service';
import type { AdminActor } from './roles.service';
import { queueSecurityNotice } from './security-notice';
import { singleLine } from './staff.schema';
import { issueStaffToken, tokenLifetimes, useStaffToken, validStaffToken } from './staff-tokens';
import type { TokenPurpose } from './staff-tokens.repo';

/**
 * The two links that let a staff member choose a password: the invitation (name and password,
 * 72 h) and "forgot password" (1 h). Both are single use; using either ends the account's
 * other sessions.
 */

const perAddressPerHour = 3;
const perIpPerHour = 10;

/**
 * Mails a reset link to an active account with this address. The caller answers the same for
 * every address before this runs; the limits keep the form from flooding a mailbox.
 */
export async function requestPasswordReset(deps: StaffAdminDeps, input: { email: string; ip: string }): Promise<void> {
  const now = deps.clock.now();
  const email = input.email.trim().toLowerCase();
  const byIp = await hitWindowCounter(deps.db, `staff-reset:${clientKey(input.ip)}`, 3600_000, now);
  const byAddress = await hitWindowCounter(deps.db, `staff-reset-email:${email.slice(0, 160)}`, 3600_000, now);
  if (byIp.hits > perIpPerHour || byAddress.hits > perAddressPerHour) return;
  const staff = await findStaffByEmail(deps.db, email);
  // An invited colleague uses the invitation; a deactivated account gets nothing.
  if (!staff?.is_active || !staff.password_hash) return;
  await withTransaction(deps.db, (trx) => queueResetLink(trx, deps, staff, now));
}

/** Issues a single-use reset link for an account and queues the mail that carries it. */
async function queueResetLink(
  trx: Trx,
  deps: StaffAdminDeps,
  staff: { id: number; email: string; name: string; language: string },
  now: number,
): Promise<void> {
  const token = await issueStaffToken(trx, staff.id, 'reset', now);
  const settings = await deps.settings.all(trx);
  await queueMail(trx, deps, {
    template: 'staff_password_reset',
    to: { address: staff.email, name: staff.name },
    language: staff.language,
    automatic: true,
    vars: { url: `${settings['helpdesk.url']}/admin/reset/${token}`, validMinutes: tokenLifetimes.reset / 60_000 },
  });
}

/**
 * An administrator (or staff manager, for accounts they may change) resets a colleague's
 * password, because it leaked or was forgotten: the old password stops working at once (a
 * random one nobody knows replaces it, so "forgot password" still works later), every session
 * ends, every API token is revoked, and the colleague is mailed a reset link and a notice.
 */
export async function resetPasswordOf(deps: StaffAdminDeps, actor: AdminActor, id: number): Promise<void> {
  const unusable = await hashPassword(randomBytes(32).toString('base64url'));
  const now = deps.clock.now();
  await withTransaction(deps.db, async (trx) => {
    const person = await changeableAccount(trx, actor, id);
    if (id === actor.id) throw new ConflictError('own_account', 'Use your profile to change your own password.');
    if (!person.isActive || person.invited)
      throw new ConflictError('no_password', 'This account has no password to reset.');
    const staff = await findStaffById(trx, id);
    if (!staff) throw new NotFoundError();
    await updateStaffAccount(trx, id, { passwordHash: unusable }, now);
    await endStaffSessions(trx, id, now);
    const tokensRevoked = await deleteTokensOfStaff(trx, id);
    await queueResetLink(trx, deps, staff, now);
    await queueSecurityNotice(trx, deps, id, 'password_reset_by_admin', { byName: actor.name });
    await recordAudit(
      trx,
      {
        actor,
        ip: actor.ip,
        action: 'staff.password_reset_by_admin',
        target: { type: 'staff', id },
        details: { tokensRevoked },
      },
      now,
    );
  });
}

export type LinkHolder = { staffId: number; name: string; email: string };

/** Who a link from a mail belongs to, or null for anything but a valid, unused, unexpired token. */
export async function linkHolder(
  db: Db,
  purpose: TokenPurpose,
  token: unknown,
  now: number,
): Promise<LinkHolder | null> {
  const stored = await validStaffToken(db, token, purpose, now);
  const staff = stored ? await findStaffForAdmin(db, stored.staffId) : undefined;
  if (!stored || !staff?.isActive || (purpose === 'invite') !== staff.invited) return null;
  return { staffId: staff.id, name: staff.name, email: staff.email };
}

export class LinkInvalidError extends ValidationError {
  constructor() {
    super('This link is not valid any more.', { token: 'staffLinks.invalid' });
  }
}

/**
 * Sets the password through a link (and, for an invitation, the name the colleague wants to be
 * known by). The token is used up in the same transaction; all sessions of the account end.
 */
export async function setPasswordByLink(
  deps: StaffAdminDeps,
  purpose: TokenPurpose,
  token: unknown,
  input: { name?: unknown; password?: unknown; ip: string },
): Promise<LinkHolder> {
  const now = deps.clock.now();
  const holder = await linkHolder(deps.db, purpose, token, now);
  if (!holder) throw new LinkInvalidError();
  const errors: Record<string, string> = {};
  let name = holder.name;
  if (purpose === 'invite') {
    const parsed = singleLine(120).safeParse(input.name);
    if (parsed.success) name = parsed.data;
    else errors.name = parsed.error.issues[0]?.message.includes('.') ? parsed.error.issues[0].message : 'form.invalid';
  }
  const password = typeof input.password === 'string' ? input.password : '';
  const problem = password ? passwordProblem(password, [name, holder.email]) : 'required';
  if (problem) errors.password = problem === 'required' ? 'form.required' : `password.${problem}`;
  if (Object.keys(errors).length) throw new ValidationError('Check the form.', errors);
  const passwordHash = await hashPassword(password);
  await withTransaction(deps.db, async (trx) => {
    const stored = await validStaffToken(trx, token, purpose, now);
    if (!stored || stored.staffId !== holder.staffId || !(await useStaffToken(trx, stored, now)))
      throw new LinkInvalidError();
    await updateStaffAccount(trx, holder.staffId, { passwordHash, name, invitedAt: null }, now);
    await endStaffSessions(trx, holder.staffId, now);
    if (purpose === 'reset') await queueSecurityNotice(trx, deps, holder.staffId, 'password_reset');
    await recordAudit(
      trx,
      {
        actor: { id: holder.staffId, name },
        ip: input.ip,
        action: purpose === 'invite' ? 'staff.invitation_accepted' : 'staff.password_reset',
        target: { type: 'staff', id: holder.staffId },
        ...(name !== holder.name ? { details: { before: { name: holder.name }, after: { name } } } : {}),
      },
      now,
    );
  });
  return { ...holder, name };
}
