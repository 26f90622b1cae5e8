import { deleteTokensOfStaff } from '../api-tokens/api-tokens.repo';
import { recordAudit } from '../audit/audit.repo';
import type { QueueMailDeps } from '../mail/mail.service';
import { queueSecurityNotice } from '../staff/security-notice';
import type { Clock } from '../clock';
import type { Db } from '../db/db';
import { withTransaction } from '../db/transaction';
import { NotFoundError, TooManyRequestsError, ValidationError } from '../errors';
import { codeSucceeded, countCodeAttempt } from '../security/code-throttle';
import { hashPassword, passwordProblem, verifyPassword } from '../staff/password';
import { endStaffSessions, findStaffById } from '../staff/staff.repo';
import {
  findProfile,
  updateNotificationSwitches,
  updatePasswordHash,
  updateProfileDetails,
  type Profile,
} from './profile.repo';
import {
  detailsSchema,
  fieldErrors,
  notificationsSchema,
  passwordChangeSchema,
  type ProfileDetails,
  type ProfileNotifications,
} from './profile.schema';

/** A staff member's own profile: what they are called, how they sign, what mail they get. */
export type ProfileDeps = { db: Db; clock: Clock };
type Person = { id: number; name: string; email: string };

export async function profileOf(db: Db, staffId: number): Promise<Profile> {
  const profile = await findProfile(db, staffId);
  if (!profile) throw new NotFoundError();
  return profile;
}

export async function saveDetails(deps: ProfileDeps, staffId: number, input: unknown): Promise<ProfileDetails> {
  const parsed = detailsSchema.safeParse(input);
  if (!parsed.success) throw new ValidationError('Check your details.', fieldErrors(parsed.error));
  await updateProfileDetails(deps.db, staffId, parsed.data, deps.clock.now());
  return parsed.data;
}

export async function saveNotifications(
  deps: ProfileDeps,
  staffId: number,
  input: unknown,
): Promise<ProfileNotifications> {
  const parsed = notificationsSchema.safeParse(input);
  if (!parsed.success) throw new ValidationError('Check the switches.', fieldErrors(parsed.error));
  await updateNotificationSwitches(deps.db, staffId, parsed.data, deps.clock.now());
  return parsed.data;
}

/**
 * A new password, with the current one as proof (throttled like sign-in). Ends every other
 * session of the account and, when asked (the default on the form), revokes its API tokens;
 * returns the account's new sessions_valid_after, which the session that asked keeps so it
 * stays signed in, and how many tokens were revoked.
 */
export async function changePassword(
  deps: ProfileDeps & QueueMailDeps,
  staff: Person,
  input: unknown,
  ip: string,
): Promise<{ validAfter: number; tokensRevoked: number }> {
  const parsed = passwordChangeSchema.safeParse(input);
  if (!parsed.success) throw new ValidationError('Check the passwords.', fieldErrors(parsed.error));
  const {
    current_password: current,
    new_password: next,
    confirm_password: confirm,
    revoke_tokens: revokeTokens,
  } = parsed.data;
  const wait = await countCodeAttempt(deps.db, ip, staff.id, deps.clock.now());
  if (wait > 0) throw new TooManyRequestsError('Too many wrong passwords. Please wait and try again.', wait);
  const row = await findStaffById(deps.db, staff.id);
  if (!row || !(await verifyPassword(row.password_hash, current)))
    throw new ValidationError('Wrong password.', { current_password: 'profile.error.passwordWrong' });
  await codeSucceeded(deps.db, ip, staff.id);

  const problem = passwordProblem(next, [staff.name, staff.email]);
  if (problem) throw new ValidationError('Choose another password.', { new_password: `password.${problem}` });
  if (next === current)
    throw new ValidationError('Choose another password.', { new_password: 'profile.error.passwordSame' });
  if (confirm !== next)
    throw new ValidationError('The passwords differ.', { confirm_password: 'profile.error.passwordMismatch' });

  const hash = await hashPassword(next);
  const now = deps.clock.now();
  return withTransaction(deps.db, async (trx) => {
    await updatePasswordHash(trx, staff.id, hash, now);
    const tokensRevoked = revokeTokens ? await deleteTokensOfStaff(trx, staff.id) : 0;
    await recordAudit(
      trx,
      {
        actor: staff,
        action: 'staff.password_changed',
        target: { type: 'staff', id: staff.id },
        details: { tokensRevoked },
        ip,
      },
      now,
    );
    await queueSecurityNotice(trx, deps, staff.id, 'password_changed');
    return { validAfter: await endStaffSessions(trx, staff.id, now), tokensRevoked };
  });
}
