import type { RequestHandler } from 'express';
import session, { type Cookie, type SessionData } from 'express-session';
import { ConnectSessionKnexStore } from 'connect-session-knex';
import type { AppDeps } from '../app-deps';

export const sessionCookieName = 'tessera.sid';

/**
 * connect-session-knex 5 lets a failed touch() reject unhandled, which would hang the request
 * and can end the process: report it to express-session's callback instead.
 */
class SafeSessionStore extends ConnectSessionKnexStore {
  override async touch(sid: string, session: SessionData & { cookie: Cookie }, callback?: (err?: unknown) => void): Promise<void> {
    try {
      await super.touch(sid, session);
      callback?.();
    } catch (err) {
      callback?.(err);
    }
  }
}

/**
 * Sessions live in the database (shared by every instance). The cookie is HttpOnly, SameSite=Lax,
 * Secure when the request came over HTTPS; it slides with activity (idle timeout) and a session
 * ends regardless after the absolute timeout.
 */
export function sessionMiddleware(deps: AppDeps): RequestHandler[] {
  const { config, db, clock } = deps;
  const store = new SafeSessionStore({
    knex: db,
    tableName: 'sessions',
    createTable: false,
    cleanupInterval: 15 * 60_000,
    onDbCleanupError: (err: unknown) => deps.logger.warn({ err }, 'session cleanup failed'),
  });
  // The store checks its table at start; if the pool closes first, that check must not go unhandled.
  store.ready.catch((err: unknown) => deps.logger.debug({ err }, 'session store start-up check aborted'));
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
