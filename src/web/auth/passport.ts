import type { Request } from 'express';
import { Passport } from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import type { Clock } from '../../clock';
import type { Db } from '../../db/db';
import { knownDeviceOf } from './device-cookie';
import { authenticateStaff, InvalidCredentialsError, staffForSession } from '../../staff/auth.service';

/**
 * Staff sign-in with passport-local. The session keeps the staff id (and the account's
 * sessions_valid_after at sign-in); the account is
 * reloaded on each request, so a deactivated account is signed out at once.
 */
export type StaffPassport = InstanceType<typeof Passport>;

export function createPassport(deps: { db: Db; clock: Clock; signingSecret: string }): StaffPassport {
  const passport = new Passport();
  passport.use(
    new LocalStrategy(
      { usernameField: 'email', passwordField: 'password', passReqToCallback: true },
      (req, email, password, done) => {
        authenticateStaff(deps, {
          email,
          password,
          ip: req.ip ?? 'unknown',
          deviceOf: (staffId) => knownDeviceOf(req, deps.signingSecret, staffId),
        }).then(
          (staff) => done(null, staff),
          (err: unknown) =>
            err instanceof InvalidCredentialsError ? done(null, false, { message: err.code }) : done(err),
        );
      },
    ),
  );
  passport.serializeUser<SessionUser>((user, done) => done(null, { id: user.id, validAfter: user.sessionsValidAfter }));
  passport.deserializeUser<SessionUser | number>((stored, done) => {
    // Sessions from before sign-ins remembered sessions_valid_after hold the bare id.
    const { id, validAfter } = typeof stored === 'number' ? { id: stored, validAfter: null } : stored;
    staffForSession(deps.db, Number(id), validAfter ?? null).then(
      (staff) => done(null, staff ?? false),
      (err: unknown) => done(err),
    );
  });
  return passport;
}

/** What a session keeps of its staff member: the id and the account's sessions_valid_after at sign-in. */
type SessionUser = { id: number; validAfter: number | null };

/**
 * After ending an account's sessions (endStaffSessions), keeps the session of this request
 * signed in: it now remembers the account's new sessions_valid_after.
 */
export function keepCurrentSession(req: Request, newValidAfter: number): void {
  const stored = (req.session as unknown as { passport?: { user?: unknown } }).passport;
  if (!req.user || !stored) return;
  stored.user = { id: req.user.id, validAfter: newValidAfter } satisfies SessionUser;
  req.user.sessionsValidAfter = newValidAfter;
}
