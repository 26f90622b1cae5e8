import { randomBytes } from 'node:crypto';
import type { Request, Response } from 'express';
import { sessionHoldsSomething } from './session';

/**
 * What a page's CSRF token is bound to (csrf-csrf's "session identifier"). A session that holds
 * something (a sign-in, ticket access) binds its forms to its id, as before. An anonymous
 * visitor's forms (sign-in, new ticket, look-up) are bound to a random id in a cookie of their
 * own instead, so showing a form no longer stores a session row (saveUninitialized stays false).
 * The id needs no signature: the token's HMAC already covers it, and an attacker can only plant
 * an id they got from their own visit, which the `__Host-` prefix over HTTPS prevents as well.
 */
const cookieName = (req: Request) => (req.secure ? '__Host-tessera.form' : 'tessera.form');
const idPattern = /^[A-Za-z0-9_-]{22}$/;

function formIdOf(req: Request, res: Response | undefined): string | null {
  const issued = res?.locals.formId;
  if (typeof issued === 'string') return issued;
  const value = (req.cookies as Record<string, unknown> | undefined)?.[cookieName(req)];
  return typeof value === 'string' && idPattern.test(value) ? value : null;
}

export function formBindingOf(req: Request): string {
  if (sessionHoldsSomething(req)) return `session:${req.session.id}`;
  const id = formIdOf(req, req.res);
  return id ? `form:${id}` : '';
}

/**
 * A customer's session starts holding something in the middle of a form's life (the form that
 * opened a ticket, sent twice: the second copy finds the session that the first one filled).
 * Their anonymous forms stay valid. Never for a staff sign-in (complete or half-way): a token
 * from before signing in must not work after it.
 */
export function formFallbackOf(req: Request): string | null {
  if (
    !sessionHoldsSomething(req) ||
    req.user ||
    req.session.pendingSignIn ||
    (req.session as { passport?: unknown }).passport
  )
    return null;
  const id = formIdOf(req, req.res);
  return id ? `form:${id}` : null;
}

/** Before a token is issued to an anonymous visitor: make sure they have a form id cookie. */
export function ensureFormBinding(req: Request, res: Response): void {
  if (sessionHoldsSomething(req) || formIdOf(req, res)) return;
  const id = randomBytes(16).toString('base64url');
  res.locals.formId = id;
  // A browser-session cookie: a form left open overnight still works the next morning.
  res.cookie(cookieName(req), id, { httpOnly: true, sameSite: 'lax', secure: req.secure, path: '/' });
}
