import { Router, type Request, type Response } from 'express';
import { TooManyRequestsError, ValidationError } from '../../errors';
import {
  confirmEnrolment,
  disableTwoFactor,
  enrolment,
  renewRecoveryCodes,
  twoFactorStatus,
} from '../../staff/two-factor.service';
import type { Services } from '../app-services';
import { requireRecentAuth } from '../auth/recent-auth';

const twoFactorPage = '/admin/profile/two-factor';

/** A failed form's errors, or null for errors that are not about the form. */
function formErrors(err: unknown, res: Response, field: string): Record<string, string> | null {
  if (err instanceof TooManyRequestsError) {
    res.set('Retry-After', String(err.retryAfterSeconds));
    return { [field]: 'twoFactor.error.throttled' };
  }
  return err instanceof ValidationError ? (err.details ?? {}) : null;
}

/**
 * /admin/profile/two-factor: set up an authenticator app (QR code and the secret as text,
 * switched on only by a correct code), recovery codes shown once, and switching it off.
 * Every page here asks for the password again when the last proof is stale.
 */
export function twoFactorRoutes(services: Services): Router {
  const router = Router();
  const deps = {
    db: services.db,
    clock: services.clock,
    signingSecret: services.config.secrets.signing,
    i18n: services.i18n,
    settings: services.settings,
  };
  const me = (req: Request) => ({ id: req.user!.id, name: req.user!.name, email: req.user!.email });
  router.use('/profile/two-factor', requireRecentAuth(services.clock, twoFactorPage));

  async function render(req: Request, res: Response, errors: Record<string, string> = {}, status = 200) {
    const status2fa = await twoFactorStatus(services.db, req.user!.id);
    const required = await services.settings.get('security.requireTwoFactor');
    const setup = status2fa.enabled
      ? null
      : await enrolment(deps, me(req), await services.settings.get('helpdesk.name'));
    res.set('Cache-Control', 'no-store');
    res
      .status(status)
      .render('admin/two-factor', { title: req.t('twoFactor.title'), status: status2fa, required, setup, errors });
  }
  function showCodes(req: Request, res: Response, codes: string[]) {
    // Shown once: never cached, never stored in clear.
    res.set('Cache-Control', 'no-store');
    res.render('admin/recovery-codes', { title: req.t('twoFactor.codes.title'), codes });
  }

  router.get('/profile/two-factor', (req, res) => render(req, res));

  router.post('/profile/two-factor/enable', async (req, res) => {
    try {
      const codes = await confirmEnrolment(
        deps,
        me(req),
        (req.body as Record<string, unknown> | undefined)?.code,
        req.ip ?? 'unknown',
      );
      req.session.twoFactorOk = true;
      showCodes(req, res, codes);
    } catch (err) {
      const errors = formErrors(err, res, 'code');
      if (!errors) throw err;
      await render(req, res, errors, err instanceof TooManyRequestsError ? 429 : 400);
    }
  });

  router.post('/profile/two-factor/recovery-codes', async (req, res) => {
    showCodes(req, res, await renewRecoveryCodes(deps, me(req), req.ip ?? 'unknown'));
  });

  router.post('/profile/two-factor/disable', async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    try {
      await disableTwoFactor(
        deps,
        me(req),
        { password: body.password, code: body.code },
        req.ip ?? 'unknown',
        await services.settings.get('security.requireTwoFactor'),
      );
      req.session.twoFactorOk = false;
      res.redirect(303, '/admin/profile?done=twoFactorOff');
    } catch (err) {
      const errors = formErrors(err, res, 'password');
      if (!errors) throw err;
      await render(req, res, errors, err instanceof TooManyRequestsError ? 429 : 400);
    }
  });

  return router;
}
