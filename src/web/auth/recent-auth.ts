import type { Request, RequestHandler } from 'express';
import type { Clock } from '../../clock';
import { localPathOr } from '../safe-redirect';

/**
 * Sensitive pages (security settings, staff and roles, settings, API tokens) ask for the
 * password again — and the two-factor code when it is on — once the last proof is older than
 * this. The time of the last proof lives in the session: sign-in and /admin/confirm-access set it.
 */
export const recentAuthMs = 15 * 60_000;

export function markAuthConfirmed(req: Request, now: number): void {
  req.session.authConfirmedAt = now;
}

export function authIsRecent(req: Request, now: number): boolean {
  const at = req.session?.authConfirmedAt;
  return typeof at === 'number' && now - at < recentAuthMs && at <= now;
}

/** The page a stale POST came from (same-site Referer), so the person returns to the form. */
function formPage(req: Request): string | undefined {
  try {
    const referer = new URL(String(req.headers.referer ?? ''));
    return referer.host === req.get('host') ? `${referer.pathname}${referer.search}` : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Guard for sensitive routes (after requireStaff). A stale GET is sent to confirm access and
 * brought back; a stale POST cannot be replayed, so afterwards the person returns to the form
 * it came from (or `fallback`) and sends it again.
 */
export function requireRecentAuth(clock: Clock, fallback = '/admin/profile'): RequestHandler {
  return (req, res, next) => {
    if (!req.user || authIsRecent(req, clock.now())) return next();
    const back = req.method === 'GET' ? req.originalUrl : localPathOr(formPage(req), fallback);
    res.redirect(303, `/admin/confirm-access?next=${encodeURIComponent(localPathOr(back, fallback))}`);
  };
}
