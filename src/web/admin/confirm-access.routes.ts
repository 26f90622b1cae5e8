import { Router, type Request, type Response } from 'express';
import { TooManyRequestsError, ValidationError } from '../../errors';
import { confirmIdentity, hasTwoFactor } from '../../staff/two-factor.service';
import type { Services } from '../app-services';
import { markAuthConfirmed } from '../auth/recent-auth';
import { localPathOr } from '../safe-redirect';

/**
 * /admin/confirm-access?next=…: the password (and the two-factor code when it is on) again,
 * before a sensitive page (see requireRecentAuth); then back to where the person was going.
 */
export function confirmAccessRoutes(services: Services): Router {
  const router = Router();
  const deps = { db: services.db, clock: services.clock, signingSecret: services.config.secrets.signing };

  async function render(req: Request, res: Response, next: string, errors: Record<string, string> = {}, status = 200) {
    res.status(status).render('admin/confirm-access', {
      title: req.t('confirmAccess.title'),
      next,
      needsCode: await hasTwoFactor(services.db, req.user!.id),
      errors,
    });
  }

  router.get('/confirm-access', (req, res) => render(req, res, localPathOr(req.query.next, '/admin/profile')));

  router.post('/confirm-access', async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const next = localPathOr(body.next, '/admin/profile');
    try {
      await confirmIdentity(deps, req.user!.id, { password: body.password, code: body.code }, req.ip ?? 'unknown');
    } catch (err) {
      if (err instanceof TooManyRequestsError) {
        res.set('Retry-After', String(err.retryAfterSeconds));
        return render(req, res, next, { password: 'twoFactor.error.throttled' }, 429);
      }
      if (err instanceof ValidationError) return render(req, res, next, err.details ?? {}, 400);
      throw err;
    }
    markAuthConfirmed(req, services.clock.now());
    res.redirect(303, next);
  });

  return router;
}
