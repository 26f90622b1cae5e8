import type { NextFunction, Request, Response } from 'express';
import type { Clock } from '../../clock';
import type { Db } from '../../db/db';
import { isLanguage, languageCookie, languageCookieOptions } from '../../i18n/i18n';
import { hasTwoFactor } from '../../staff/two-factor.service';
import type { AppConfig } from '../../config/config.schema';
import { rememberDevice } from './device-cookie';
import { markAuthConfirmed } from './recent-auth';

/** How long the code step may take after the password was accepted. */
export const pendingSignInMs = 5 * 60_000;

/**
 * Signs the person in once everything they must prove is proven: the session id is renewed
 * (passport), the absolute timeout starts, and the proof counts as recent for sensitive pages.
 */
export function signInNow(
  deps: { clock: Clock; config: AppConfig },
  req: Request,
  res: Response,
  next: NextFunction,
  user: Express.User,
  target: string,
  opts: { twoFactorOk: boolean },
): void {
  req.logIn(user, (err) => {
    if (err) return next(err);
    const now = deps.clock.now();
    req.session.startedAt = now;
    markAuthConfirmed(req, now);
    if (opts.twoFactorOk) req.session.twoFactorOk = true;
    // This browser has now proven the account: others' failed guesses no longer hold it back.
    rememberDevice(req, res, deps.config.secrets.signing, user.id);
    // The staff pages speak the language chosen in the profile (the language switch's cookie).
    if (isLanguage(user.language)) res.cookie(languageCookie, user.language, languageCookieOptions(req.secure));
    res.redirect(303, target);
  });
}

/**
 * After a correct password: with two-factor sign-in on, the session (with a new id) only
 * remembers who is half-way and where they were going, and the code page comes next;
 * otherwise the person is signed in.
 */
export async function passwordAccepted(
  deps: { db: Db; clock: Clock; config: AppConfig },
  req: Request,
  res: Response,
  next: NextFunction,
  user: Express.User,
  target: string,
): Promise<void> {
  if (!(await hasTwoFactor(deps.db, user.id)))
    return signInNow(deps, req, res, next, user, target, { twoFactorOk: false });
  req.session.regenerate((err) => {
    if (err) return next(err);
    req.session.pendingSignIn = { staffId: user.id, at: deps.clock.now(), next: target };
    res.redirect(303, '/admin/login/code');
  });
}
