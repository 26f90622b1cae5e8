import type { RequestHandler } from 'express';
import session from 'express-session';
import type { AppDeps } from '../app-deps';
import { HealingSessionStore } from './session-store';

export const sessionCookieName = 'tessera.sid';

/**
 * Sessions live in the database (shared by every instance). The cookie is HttpOnly, SameSite=Lax,
 * Secure when the request came over HTTPS; it slides with activity (idle timeout) and a session
 * ends regardless after the absolute timeout.
 */
export function sessionMiddleware(deps: AppDeps): RequestHandler[] {
  const { config, db, clock } = deps;
  const store = new HealingSessionStore({ db, logger: deps.logger, cleanupIntervalMs: 15 * 60_000 });
  const idleMs = config.session.idleMinutes * 60_000;
  const absoluteMs = config.session.absoluteHours * 3600_000;

  const sessions = session({
    name: sessionCookieName,
    secret: config.secrets.session,
    store,
    resave: false,
    saveUninitialized: false,
    rolling: true,
    proxy: undefined, // follows the app's trust proxy setting
    cookie: { httpOnly: true, sameSite: 'lax', secure: 'auto', maxAge: idleMs, path: '/' },
  });

  const absoluteTimeout: RequestHandler = (req, _res, next) => {
    const started = req.session.startedAt;
    if (started === undefined || clock.now() - started < absoluteMs) return next();
    req.session.regenerate((err) => next(err));
  };
  return [sessions, absoluteTimeout];
}
