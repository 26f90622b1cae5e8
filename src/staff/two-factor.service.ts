import { recordAudit } from '../audit/audit.repo';
import type { Clock } from '../clock';
import type { Db } from '../db/db';
import { withTransaction } from '../db/transaction';
import { ConflictError, ForbiddenError, TooManyRequestsError, ValidationError } from '../errors';
import { codeSucceeded, countCodeAttempt } from '../security/code-throttle';
import type { QueueMailDeps } from '../mail/mail.service';
import { verifyPassword } from './password';
import { queueSecurityNotice } from './security-notice';
import { endStaffSessions, findStaffById } from './staff.repo';
import {
  decryptTotpSecret,
  encryptTotpSecret,
  groupedSecret,
  hashRecoveryCode,
  newRecoveryCodes,
  newTotpSecret,
  normalRecoveryCode,
  totpQrDataUrl,
  totpStepOf,
  totpUri,
} from './totp';
import {
  claimStep,
  countUnusedRecoveryCodes,
  deleteTwoFactor,
  findTwoFactor,
  markEnabled,
  replaceRecoveryCodes,
  savePendingSecret,
  useRecoveryCode,
} from './two-factor.repo';

/** `signingSecret` derives the key that encrypts TOTP secrets at rest. */
export type TwoFactorDeps = { db: Db; clock: Clock; signingSecret: string };
/** Switching two-factor sign-in off also mails the account a security notice. */
type SwitchOffDeps = TwoFactorDeps & QueueMailDeps;
type Person = { id: number; name: string; email: string };

export async function twoFactorStatus(
  db: Db,
  staffId: number,
): Promise<{ enabled: boolean; recoveryCodesLeft: number }> {
  const row = await findTwoFactor(db, staffId);
  const enabled = Boolean(row?.enabledAt);
  return { enabled, recoveryCodesLeft: enabled ? await countUnusedRecoveryCodes(db, staffId) : 0 };
}

export async function hasTwoFactor(db: Db, staffId: number): Promise<boolean> {
  return Boolean((await findTwoFactor(db, staffId))?.enabledAt);
}

export type Enrolment = { secret: string; groupedSecret: string; qrDataUrl: string };

/**
 * The secret to scan: made on the first visit and kept (unconfirmed) until a code proves the
 * app has it, so reloading the page shows the same QR code.
 */
export async function enrolment(deps: TwoFactorDeps, staff: Person, issuer: string): Promise<Enrolment> {
  const row = await findTwoFactor(deps.db, staff.id);
  if (row?.enabledAt) throw new ConflictError('two_factor_enabled', 'Two-factor sign-in is already on.');
  let secret = row ? readSecret(deps, row.secretEncrypted) : null;
  if (!secret) {
    secret = newTotpSecret();
    await savePendingSecret(deps.db, staff.id, encryptTotpSecret(deps.signingSecret, secret), deps.clock.now());
  }
  return {
    secret,
    groupedSecret: groupedSecret(secret),
    qrDataUrl: await totpQrDataUrl(totpUri(secret, issuer, staff.email)),
  };
}

/** The stored secret, or null when it cannot be read (the signing secret was changed since). */
function readSecret(deps: TwoFactorDeps, secretEncrypted: string): string | null {
  try {
    return decryptTotpSecret(deps.signingSecret, secretEncrypted);
  } catch {
    return null;
  }
}

/** Checks a TOTP code of a stored secret and uses up its time step (no replay). */
async function useTotpCode(
  deps: TwoFactorDeps,
  staffId: number,
  secretEncrypted: string,
  code: string,
): Promise<boolean> {
  const now = deps.clock.now();
  const secret = readSecret(deps, secretEncrypted);
  const step = secret === null ? null : totpStepOf(secret, code, now);
  return step !== null && (await claimStep(deps.db, staffId, step, now));
}

async function throttled(deps: TwoFactorDeps, staffId: number, ip: string): Promise<void> {
  const wait = await countCodeAttempt(deps.db, ip, staffId, deps.clock.now());
  if (wait > 0) throw new TooManyRequestsError('Too many wrong codes. Please wait and try again.', wait);
}

/** Switches two-factor sign-in on once the app's first code is right; returns the recovery codes (shown once). */
export async function confirmEnrolment(
  deps: TwoFactorDeps,
  staff: Person,
  code: unknown,
  ip: string,
): Promise<string[]> {
  const row = await findTwoFactor(deps.db, staff.id);
  if (!row) throw new ConflictError('no_enrolment', 'Start setting up two-factor sign-in first.');
  if (row.enabledAt) throw new ConflictError('two_factor_enabled', 'Two-factor sign-in is already on.');
  if (typeof code !== 'string' || !/^\s*\d{3}\s?\d{3}\s*$/.test(code))
    throw new ValidationError('Enter the code.', { code: 'twoFactor.error.codeFormat' });
  await throttled(deps, staff.id, ip);
  if (!(await useTotpCode(deps, staff.id, row.secretEncrypted, code)))
    throw new ValidationError('Wrong code.', { code: 'twoFactor.error.codeWrong' });
  await codeSucceeded(deps.db, ip, staff.id);
  const codes = newRecoveryCodes();
  const now = deps.clock.now();
  await withTransaction(deps.db, async (trx) => {
    await markEnabled(trx, staff.id, now);
    await replaceRecoveryCodes(
      trx,
      staff.id,
      codes.map((c) => hashRecoveryCode(normalRecoveryCode(c)!)),
      now,
    );
    await recordAudit(
      trx,
      { actor: staff, action: 'staff.two_factor_enabled', target: { type: 'staff', id: staff.id }, ip },
      now,
    );
  });
  return codes;
}

/** A code from the app or an unused recovery code; no throttling here (callers count first). */
async function secondFactorMatches(
  deps: TwoFactorDeps,
  staffId: number,
  secretEncrypted: string,
  input: unknown,
): Promise<'app' | 'recovery' | null> {
  const typed = typeof input === 'string' ? input.trim().slice(0, 40) : '';
  if (/^\d{3}\s?\d{3}$/.test(typed)) return (await useTotpCode(deps, staffId, secretEncrypted, typed)) ? 'app' : null;
  const normal = normalRecoveryCode(typed);
  return normal && (await useRecoveryCode(deps.db, staffId, hashRecoveryCode(normal), deps.clock.now()))
    ? 'recovery'
    : null;
}

const isBlank = (v: unknown) => typeof v !== 'string' || !v.trim();

/**
 * The second factor at sign-in: a current code from the app, or one unused recovery code.
 * Throttled per account and IP; a wrong answer is a ValidationError on the field `code`.
 */
export async function verifySecondFactor(
  deps: TwoFactorDeps,
  staffId: number,
  input: unknown,
  ip: string,
): Promise<'app' | 'recovery'> {
  if (isBlank(input)) throw new ValidationError('Enter the code.', { code: 'twoFactor.error.codeMissing' });
  const row = await findTwoFactor(deps.db, staffId);
  if (!row?.enabledAt) throw new ValidationError('Two-factor sign-in is off.', { code: 'twoFactor.error.codeWrong' });
  await throttled(deps, staffId, ip);
  const used = await secondFactorMatches(deps, staffId, row.secretEncrypted, input);
  if (!used) throw new ValidationError('Wrong code.', { code: 'twoFactor.error.codeWrong' });
  await codeSucceeded(deps.db, ip, staffId);
  return used;
}

/**
 * "Is it really you?" before a sensitive page or action: the password, and the second factor
 * when it is on. Throttled like sign-in; wrong answers are ValidationErrors on `password`/`code`.
 */
export async function confirmIdentity(
  deps: TwoFactorDeps,
  staffId: number,
  input: { password: unknown; code: unknown },
  ip: string,
): Promise<void> {
  const password = typeof input.password === 'string' ? input.password.slice(0, 1000) : '';
  const twoFactor = await findTwoFactor(deps.db, staffId);
  const needsCode = Boolean(twoFactor?.enabledAt);
  const missing: Record<string, string> = {};
  if (!password) missing.password = 'profile.error.passwordMissing';
  if (needsCode && isBlank(input.code)) missing.code = 'twoFactor.error.codeMissing';
  if (Object.keys(missing).length) throw new ValidationError('Fill in the form.', missing);
  await throttled(deps, staffId, ip);
  const row = await findStaffById(deps.db, staffId);
  if (!row || !(await verifyPassword(row.password_hash, password)))
    throw new ValidationError('Wrong password.', { password: 'profile.error.passwordWrong' });
  if (needsCode && !(await secondFactorMatches(deps, staffId, twoFactor!.secretEncrypted, input.code)))
    throw new ValidationError('Wrong code.', { code: 'twoFactor.error.codeWrong' });
  await codeSucceeded(deps.db, ip, staffId);
}

/** New recovery codes replace every old one (used or not); shown once. */
export async function renewRecoveryCodes(deps: TwoFactorDeps, staff: Person, ip: string): Promise<string[]> {
  if (!(await hasTwoFactor(deps.db, staff.id))) throw new ConflictError('two_factor_off', 'Two-factor sign-in is off.');
  const codes = newRecoveryCodes();
  const now = deps.clock.now();
  await withTransaction(deps.db, async (trx) => {
    await replaceRecoveryCodes(
      trx,
      staff.id,
      codes.map((c) => hashRecoveryCode(normalRecoveryCode(c)!)),
      now,
    );
    await recordAudit(
      trx,
      { actor: staff, action: 'staff.recovery_codes_renewed', target: { type: 'staff', id: staff.id }, ip },
      now,
    );
  });
  return codes;
}

/** Switching it off needs the password and a code, and is refused while admins require it. */
export async function disableTwoFactor(
  deps: SwitchOffDeps,
  staff: Person,
  input: { password: unknown; code: unknown },
  ip: string,
  required: boolean,
): Promise<void> {
  if (required) throw new ValidationError('Required for everyone.', { password: 'twoFactor.error.required' });
  if (!(await hasTwoFactor(deps.db, staff.id))) throw new ConflictError('two_factor_off', 'Two-factor sign-in is off.');
  await confirmIdentity(deps, staff.id, input, ip);
  const now = deps.clock.now();
  await withTransaction(deps.db, async (trx) => {
    await deleteTwoFactor(trx, staff.id);
    await recordAudit(
      trx,
      { actor: staff, action: 'staff.two_factor_disabled', target: { type: 'staff', id: staff.id }, ip },
      now,
    );
    await queueSecurityNotice(trx, deps, staff.id, 'two_factor_off');
  });
}

/**
 * For someone who lost their phone and their recovery codes: an administrator (or a staff
 * manager, for accounts that are not administrators) switches their two-factor sign-in off and
 * ends their sessions — a lost phone may be a stolen one. Not for one's own account (the
 * profile does that, with a code). Audit-logged.
 */
export async function resetTwoFactorOf(
  deps: SwitchOffDeps,
  actor: Person & { isAdmin: boolean },
  target: { id: number; isAdmin: boolean },
  ip: string,
): Promise<void> {
  if (target.id === actor.id)
    throw new ConflictError('own_account', 'Use your profile to change your own two-factor sign-in.');
  if (target.isAdmin && !actor.isAdmin) throw new ForbiddenError();
  if (!(await hasTwoFactor(deps.db, target.id)))
    throw new ConflictError('two_factor_off', 'Two-factor sign-in is off.');
  const now = deps.clock.now();
  await withTransaction(deps.db, async (trx) => {
    await deleteTwoFactor(trx, target.id);
    await endStaffSessions(trx, target.id, now);
    await recordAudit(
      trx,
      { actor, action: 'staff.two_factor_reset', target: { type: 'staff', id: target.id }, ip },
      now,
    );
    await queueSecurityNotice(trx, deps, target.id, 'two_factor_off_by_admin', { byName: actor.name });
  });
}
