import { Router, type NextFunction, type Request, type Response } from 'express';
import { TooManyRequestsError, ValidationError } from '../../errors';
import { findStaffById, toStaff } from '../../staff/staff.repo';
import { sessionStillValid } from '../../staff/session-validity';
import { verifySecondFactor } from '../../staff/two-factor.service';
import type { Services } from '../app-services';
import { pendingSignInMs, signInNow } from '../auth/sign-in';

/**
 * /admin/login/code: the second step of signing in with two-factor sign-in on. Until the code
 * (or a recovery code) is right, the session holds only who is half-way, for five minutes.
 */
export function loginCodeRoutes(services: Services): Router {
  const router = Router();
  const deps = { db: services.db, clock: services.clock, signingSecret: services.config.secrets.signing };

  function pending(req: Request) {
    const p = req.session?.pendingSignIn;
    if (!p || services.clock.now() - p.at > pendingSignInMs) return null;
    return p;
  }
  function render(res: Response, status: number, error: string | null) {
    res.status(status).render('admin/login-code', {
      title: res.locals.t('twoFactor.login.title'),
      errors: error ? { code: error } : {},
    });
  }

  router.get('/login/code', (req, res) => {
    if (req.user) return res.redirect(303, '/admin');
    if (!pending(req)) return res.redirect(303, '/admin/login');
    render(res, 200, null);
  });

  router.post('/login/code', async (req: Request, res: Response, next: NextFunction) => {
    const p = pending(req);
    if (!p) return res.redirect(303, '/admin/login');
    // The account's sessions ended after the password was accepted (password changed or reset,
    // deactivated): that password step no longer counts, and no code is used up on it.
    const row = await findStaffById(services.db, p.staffId);
    if (!row?.is_active || !row.password_hash || !sessionStillValid(toStaff(row).sessionsValidAfter, p.at))
      return res.redirect(303, '/admin/login');
    try {
      await verifySecondFactor(
        deps,
        p.staffId,
        (req.body as Record<string, unknown> | undefined)?.code,
        req.ip ?? 'unknown',
      );
    } catch (err) {
      if (err instanceof TooManyRequestsError) {
        res.set('Retry-After', String(err.retryAfterSeconds));
        return render(res, 429, 'twoFactor.error.throttled');
      }
      if (err instanceof ValidationError) return render(res, 400, err.details?.code ?? 'twoFactor.error.codeWrong');
      throw err;
    }
    signInNow(services, req, res, next, toStaff(row), p.next, { twoFactorOk: true });
  });

  return router;
}
