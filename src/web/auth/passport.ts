import { Passport } from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import type { Clock } from '../../clock';
import type { Db } from '../../db/db';
import { authenticateStaff, InvalidCredentialsError, staffForSession } from '../../staff/auth.service';

/**
 * Staff sign-in with passport-local. Only the staff id is kept in the session; the account is
 * reloaded on each request, so a deactivated account is signed out at once.
 */
export type StaffPassport = InstanceType<typeof Passport>;

export function createPassport(deps: { db: Db; clock: Clock }): StaffPassport {
  const passport = new Passport();
  passport.use(
    new LocalStrategy({ usernameField: 'email', passwordField: 'password', passReqToCallback: true }, (req, email, password, done) => {
      authenticateStaff(deps, { email, password, ip: req.ip ?? 'unknown' }).then(
        (staff) => done(null, staff),
        (err: unknown) => (err instanceof InvalidCredentialsError ? done(null, false, { message: err.code }) : done(err)),
      );
    }),
  );
  passport.serializeUser<number>((user, done) => done(null, user.id));
  passport.deserializeUser<number>((id, done) => {
    staffForSession(deps.db, Number(id)).then(
      (staff) => done(null, staff ?? false),
      (err: unknown) => done(err),
    );
  });
  return passport;
}
