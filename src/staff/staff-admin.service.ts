import type { i18n } from 'i18next';
import { deleteTokensOfStaff } from '../api-tokens/api-tokens.repo';
import { recordAudit } from '../audit/audit.repo';
import type { Clock } from '../clock';
import type { Db, Trx } from '../db/db';
import { withTransaction } from '../db/transaction';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors';
import { queueMail } from '../mail/mail.service';
import type { SettingsService } from '../settings/settings.service';
import { fieldErrors } from '../setup/setup.schema';
import { can, capabilities, defaultStaffCapabilities } from './capabilities';
import { hashPassword, passwordProblem } from './password';
import { findRole } from './roles.repo';
import type { AdminActor } from './roles.service';
import { endStaffSessions, insertStaff } from './staff.repo';
import {
  countOtherActiveAdmins,
  emailTaken,
  existingCategoryIds,
  findStaffForAdmin,
  replaceStaffCategories,
  updateStaffAccount,
  type StaffListRow,
} from './staff-admin.repo';
import { newStaffSchema, staffDetailsSchema, type StaffDetails } from './staff.schema';
import { issueStaffToken, tokenLifetimes } from './staff-tokens';
import { retireStaffTokens } from './staff-tokens.repo';

export type StaffAdminDeps = { db: Db; clock: Clock; i18n: i18n; settings: SettingsService };

/** What the audit log keeps of an account, before and after a change. */
const snapshot = (s: StaffListRow) => ({
  name: s.name,
  email: s.email,
  isAdmin: s.isAdmin,
  roleId: s.roleId,
  isActive: s.isActive,
  categoryIds: [...s.categoryIds].sort((a, b) => a - b),
});

export async function staffAccount(db: Db, id: number): Promise<StaffListRow> {
  const row = Number.isSafeInteger(id) && id > 0 ? await findStaffForAdmin(db, id) : undefined;
  if (!row) throw new NotFoundError();
  return row;
}

/**
 * An account this actor may change (edit, deactivate, re-invite, reset two-factor): a staff
 * manager who is not an administrator only changes accounts that can do nothing beyond what
 * they can themself — never an administrator, never a colleague with a stronger role.
 */
export async function changeableAccount(db: Db, actor: AdminActor, id: number): Promise<StaffListRow> {
  const row = await staffAccount(db, id);
  if (actor.isAdmin) return row;
  const held = row.isAdmin
    ? capabilities
    : row.roleId === null
      ? defaultStaffCapabilities
      : ((await findRole(db, row.roleId))?.capabilities ?? defaultStaffCapabilities);
  if (!held.every((c) => can(actor, c))) throw new ForbiddenError();
  return row;
}

/**
 * Checks what was typed against the database (address free, role and categories real) and
 * against the actor: someone managing staff without being an admin can neither make admins nor
 * hand out a capability they do not have themselves, so the role cannot raise its own powers.
 */
async function checkDetails(
  trx: Trx,
  actor: AdminActor,
  d: StaffDetails,
  exceptId: number | null,
): Promise<{ isAdmin: boolean; roleId: number | null; categoryIds: number[] }> {
  if (await emailTaken(trx, d.email, exceptId))
    throw new ValidationError('This address has an account.', { email: 'staffAdmin.errors.emailTaken' });
  const role = typeof d.role === 'number' ? await findRole(trx, d.role) : undefined;
  if (typeof d.role === 'number' && !role) throw new ValidationError('Unknown role.', { role: 'form.invalid' });
  const granted = d.role === 'admin' ? capabilities : (role?.capabilities ?? defaultStaffCapabilities);
  if (!actor.isAdmin && (d.role === 'admin' || !granted.every((c) => can(actor, c))))
    throw new ValidationError('Not allowed.', { role: 'staffAdmin.errors.notAllowed' });
  const categoryIds = await existingCategoryIds(trx, d.categories);
  if (categoryIds.length !== d.categories.length)
    throw new ValidationError('Unknown category.', { categories: 'form.invalid' });
  return { isAdmin: d.role === 'admin', roleId: typeof d.role === 'number' ? d.role : null, categoryIds };
}

async function queueInvitation(
  trx: Trx,
  deps: StaffAdminDeps,
  actor: AdminActor,
  staff: { id: number; name: string; email: string },
  now: number,
): Promise<void> {
  const token = await issueStaffToken(trx, staff.id, 'invite', now);
  const settings = await deps.settings.all(trx);
  await queueMail(trx, deps, {
    template: 'staff_invite',
    to: { address: staff.email, name: staff.name },
    language: settings['helpdesk.language'],
    automatic: true,
    vars: {
      invitedBy: actor.name,
      url: `${settings['helpdesk.url']}/admin/invite/${token}`,
      validHours: tokenLifetimes.invite / 3600_000,
    },
  });
}

/**
 * Creates a staff account: with a password the admin chose (checked by the password rules), or
 * invited by e-mail (no password until the colleague follows the single-use link).
 */
export async function createStaff(deps: StaffAdminDeps, actor: AdminActor, input: unknown): Promise<number> {
  const parsed = newStaffSchema.safeParse(input);
  if (!parsed.success) throw new ValidationError('Check the account.', fieldErrors(parsed.error));
  const d = parsed.data;
  let passwordHash = '';
  // A typed password is never dropped quietly: with an invitation the colleague chooses their own.
  if (d.method === 'invite' && d.password !== '')
    throw new ValidationError('A password and an invitation were both given.', {
      password: 'staffAdmin.errors.passwordWithInvite',
    });
  if (d.method === 'password') {
    const problem = d.password ? passwordProblem(d.password, [d.name, d.email]) : 'required';
    if (problem)
      throw new ValidationError('Check the password.', {
        password: problem === 'required' ? 'form.required' : `password.${problem}`,
      });
    passwordHash = await hashPassword(d.password);
  }
  const now = deps.clock.now();
  return withTransaction(deps.db, async (trx) => {
    const checked = await checkDetails(trx, actor, d, null);
    const settings = await deps.settings.all(trx);
    const id = await insertStaff(
      trx,
      { email: d.email, name: d.name, passwordHash, isAdmin: checked.isAdmin, language: settings['helpdesk.language'] },
      now,
    );
    await updateStaffAccount(trx, id, { roleId: checked.roleId, invitedAt: d.method === 'invite' ? now : null }, now);
    await replaceStaffCategories(trx, id, checked.categoryIds);
    if (d.method === 'invite') await queueInvitation(trx, deps, actor, { id, name: d.name, email: d.email }, now);
    const created = (await findStaffForAdmin(trx, id))!;
    await recordAudit(
      trx,
      {
        actor,
        ip: actor.ip,
        action: d.method === 'invite' ? 'staff.invited' : 'staff.created',
        target: { type: 'staff', id },
        details: { after: snapshot(created) },
      },
      now,
    );
    return id;
  });
}

/** Sends a new invitation (the older link stops working) to a colleague who has not accepted yet. */
export async function resendInvitation(deps: StaffAdminDeps, actor: AdminActor, id: number): Promise<void> {
  const now = deps.clock.now();
  await withTransaction(deps.db, async (trx) => {
    const staff = await changeableAccount(trx, actor, id);
    if (!staff.invited || !staff.isActive)
      throw new ConflictError('not_invited', 'This account has no open invitation.');
    await updateStaffAccount(trx, id, { invitedAt: now }, now);
    await queueInvitation(trx, deps, actor, staff, now);
    await recordAudit(
      trx,
      { actor, ip: actor.ip, action: 'staff.invited', target: { type: 'staff', id }, details: { resent: true } },
      now,
    );
  });
}

/**
 * Changes name, address, role and categories. The help desk always keeps an active admin, and
 * an admin cannot take the admin role away from themself (another admin has to).
 */
export async function updateStaff(deps: StaffAdminDeps, actor: AdminActor, id: number, input: unknown): Promise<void> {
  const parsed = staffDetailsSchema.safeParse(input);
  if (!parsed.success) throw new ValidationError('Check the account.', fieldErrors(parsed.error));
  const now = deps.clock.now();
  await withTransaction(deps.db, async (trx) => {
    const before = await changeableAccount(trx, actor, id);
    const checked = await checkDetails(trx, actor, parsed.data, id);
    if (before.isAdmin && !checked.isAdmin) {
      if (id === actor.id)
        throw new ValidationError('You cannot remove your own admin role.', { role: 'staffAdmin.errors.ownAdmin' });
      if (before.isActive && (await countOtherActiveAdmins(trx, id)) === 0)
        throw new ValidationError('The last admin keeps the role.', { role: 'staffAdmin.errors.lastAdmin' });
    }
    await updateStaffAccount(
      trx,
      id,
      { name: parsed.data.name, email: parsed.data.email, isAdmin: checked.isAdmin, roleId: checked.roleId },
      now,
    );
    // Links mailed to the old address (a mistyped one, a mailbox the person no longer has) stop working.
    if (parsed.data.email !== before.email)
      for (const purpose of ['invite', 'reset'] as const) await retireStaffTokens(trx, id, purpose, now);
    await replaceStaffCategories(trx, id, checked.categoryIds);
    const after = (await findStaffForAdmin(trx, id))!;
    await recordAudit(
      trx,
      {
        actor,
        ip: actor.ip,
        action: 'staff.changed',
        target: { type: 'staff', id },
        details: { before: snapshot(before), after: snapshot(after) },
      },
      now,
    );
  });
}

/**
 * Deactivates (signed out at once, cannot sign in; tickets and history stay) or reactivates an
 * account. Nobody deactivates themself, and the last active admin stays.
 */
export async function setStaffActive(
  deps: StaffAdminDeps,
  actor: AdminActor,
  id: number,
  active: boolean,
): Promise<void> {
  const now = deps.clock.now();
  await withTransaction(deps.db, async (trx) => {
    const before = await changeableAccount(trx, actor, id);
    if (before.isActive === active) return;
    if (!active) {
      if (id === actor.id)
        throw new ValidationError('You cannot deactivate yourself.', { active: 'staffAdmin.errors.self' });
      if (before.isAdmin && (await countOtherActiveAdmins(trx, id)) === 0)
        throw new ValidationError('The last admin stays active.', { active: 'staffAdmin.errors.lastAdmin' });
      await endStaffSessions(trx, id, now);
      // Tokens of a deactivated account stop at once anyway; revoking them means reactivating
      // the person does not bring back a token that may have leaked with them.
      await deleteTokensOfStaff(trx, id);
    }
    await updateStaffAccount(trx, id, { isActive: active }, now);
    await recordAudit(
      trx,
      {
        actor,
        ip: actor.ip,
        action: active ? 'staff.reactivated' : 'staff.deactivated',
        target: { type: 'staff', id },
        details: { before: { isActive: before.isActive }, after: { isActive: active } },
      },
      now,
    );
  });
}
