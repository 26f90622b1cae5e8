import type { Request, RequestHandler } from 'express';
import session from 'express-session';
import type { AppDeps } from '../app-deps';
import { HealingSessionStore } from './session-store';

export const sessionCookieName = 'tessera.sid';
/**
 * Over HTTPS the cookie carries the `__Host-` prefix: the browser then only accepts it with
 * Secure, Path=/ and no Domain, so a sibling sub-domain (or a man in the middle on plain HTTP)
 * cannot plant a session id ("session fixation by cookie tossing").
 */
export const secureSessionCookieName = '__Host-tessera.sid';

/** The session cookie's name for this request (HTTPS, directly or as the trusted proxy says). */
export const sessionCookieNameFor = (req: Request) => (req.secure ? secureSessionCookieName : sessionCookieName);

/**
 * Whether the session holds anything (a sign-in, a half-done sign-in, ticket access): only then
 * is it stored, and only then are forms bound to it (see csrf.ts for the anonymous ones).
 */
export function sessionHoldsSomething(req: Request): boolean {
  return Boolean(req.session) && Object.keys(req.session).some((key) => key !== 'cookie');
}

/**
 * Sessions live in the database (shared by every instance). The cookie is HttpOnly, SameSite=Lax,
 * Secure and `__Host-` prefixed when the request came over HTTPS; it slides with activity (idle
 * timeout) and a session ends regardless after the absolute timeout. A session is stored only
 * once it holds something (saveUninitialized: false; forms of anonymous visitors are bound to a
 * cookie of their own), so visitors who only read pages add no rows. The rows are capped per
 * staff member and per client address (session-store.ts), and expired ones swept by the jobs.
 */
export function sessionMiddleware(deps: AppDeps): RequestHandler[] {
  const { config, db, clock } = deps;
  const store = new HealingSessionStore({
    db,
    logger: deps.logger,
    caps: { perStaff: config.session.maxPerStaff, perClient: config.session.maxPerClient },
  });
  const idleMs = config.session.idleMinutes * 60_000;
  const absoluteMs = config.session.absoluteHours * 3600_000;

  // Two cookie names, one store: express-session writes its own generate() (which sets the
  // cookie options) onto the store it is given, so each instance gets a view of the one store.
  const sessionFor = (secure: boolean) =>
    session({
      name: secure ? secureSessionCookieName : sessionCookieName,
      secret: config.secrets.session,
      store: Object.create(store) as HealingSessionStore,
      resave: false,
      saveUninitialized: false,
      rolling: true,
      proxy: undefined, // follows the app's trust proxy setting
      cookie: { httpOnly: true, sameSite: 'lax', secure, maxAge: idleMs, path: '/' },
    });
  const plain = sessionFor(false);
  const secure = sessionFor(true);
  const sessions: RequestHandler = (req, res, next) => (req.secure ? secure : plain)(req, res, next);

  const absoluteTimeout: RequestHandler = (req, _res, next) => {
    const started = req.session.startedAt;
    if (started === undefined || clock.now() - started < absoluteMs) return next();
    req.session.regenerate((err) => next(err));
  };
  return [sessions, absoluteTimeout];
}
