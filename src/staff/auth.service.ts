import { setTimeout as sleep } from 'node:timers/promises';
import type { Clock } from '../clock';
import type { Db } from '../db/db';
import { AppError, TooManyRequestsError } from '../errors';
import { countLoginAttempt, loginSucceeded } from '../security/login-throttle';
import { hashPassword, verifyPassword } from './password';
import { sessionStillValid } from './session-validity';
import { hasTwoFactor } from './two-factor.service';
import { findStaffByEmail, findStaffById, recordLogin, toStaff, type Staff } from './staff.repo';

export class InvalidCredentialsError extends AppError {
  constructor() {
    super(401, 'invalid_credentials', 'The e-mail address or password is not correct.');
  }
}

// Verified against when the account does not exist, so both cases take the same time.
let decoyHash: Promise<string> | undefined;

/**
 * Checks a staff sign-in, throttled per IP, per account and address, and per known device, and
 * slowed down per account (login-throttle.ts). `deviceOf` reads the browser's device cookie for
 * an account. An account with two-factor sign-in is not slowed: its password alone opens nothing.
 */
export async function authenticateStaff(
  deps: { db: Db; clock: Clock },
  input: { email: string; password: string; ip: string; deviceOf?: (staffId: number) => string | null },
): Promise<Staff> {
  const { db, clock } = deps;
  const email = input.email.trim().toLowerCase();
  const row = await findStaffByEmail(db, email);
  const attempt = { ip: input.ip, email, deviceId: row && input.deviceOf ? input.deviceOf(row.id) : null };
  const verdict = await countLoginAttempt(db, attempt, clock.now());
  if (verdict.waitSeconds > 0)
    throw new TooManyRequestsError('Too many failed sign-in attempts. Please wait and try again.', verdict.waitSeconds);
  // Held back without a database connection: only a timer waits.
  if (verdict.delayMs > 0 && !(row && (await hasTwoFactor(db, row.id)))) await sleep(verdict.delayMs);

  decoyHash ??= hashPassword('decoy password never used');
  // An invited colleague has no password yet (empty hash): the decoy keeps the timing the same.
  const ok = await verifyPassword(row?.password_hash || (await decoyHash), input.password);
  if (!row || !ok || !row.is_active) throw new InvalidCredentialsError();
  await loginSucceeded(db, attempt);
  await recordLogin(db, row.id, clock.now());
  return toStaff(row);
}

/**
 * The signed-in staff member for a session, or null when the account is gone or deactivated, or
 * its sessions were ended after this one signed in (see session-validity.ts).
 */
export async function staffForSession(db: Db, id: number, validAfterAtSignIn: number | null): Promise<Staff | null> {
  const row = await findStaffById(db, id);
  if (!row?.is_active || !row.password_hash) return null;
  const staff = toStaff(row);
  return sessionStillValid(staff.sessionsValidAfter, validAfterAtSignIn) ? staff : null;
}
