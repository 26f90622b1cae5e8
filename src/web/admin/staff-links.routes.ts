import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { ValidationError } from '../../errors';
import {
  linkHolder,
  requestPasswordReset,
  setPasswordByLink,
  type LinkHolder,
} from '../../staff/password-links.service';
import type { TokenPurpose } from '../../staff/staff-tokens.repo';
import type { Services } from '../app-services';
import { sendingStatus } from '../../mail/sending-status';

const emailSchema = z.string().trim().min(1).max(254).pipe(z.email());
const paths: Record<TokenPurpose, string> = { invite: '/invite', reset: '/reset' };

/**
 * The staff pages reached without signing in: "forgot password", and the links from the
 * invitation and reset mails (/admin/invite/<token>, /admin/reset/<token>).
 */
export function staffLinkRoutes(services: Services): Router {
  const router = Router();

  router.get('/forgot-password', (req, res) =>
    res.render('admin/forgot-password', { title: req.t('staffLinks.forgotTitle'), email: '', errors: {}, sent: false }),
  );
  router.post('/forgot-password', async (req, res) => {
    const raw = typeof req.body?.email === 'string' ? req.body.email.slice(0, 254) : '';
    const parsed = emailSchema.safeParse(raw);
    if (!parsed.success)
      return res.status(400).render('admin/forgot-password', {
        title: req.t('staffLinks.forgotTitle'),
        email: raw,
        errors: { email: 'form.invalidEmail' },
        sent: false,
      });
    // The same answer for every address (the state is the help desk's, not the account's).
    const { canSend } = await sendingStatus(services.db, services.settings);
    res.render('admin/forgot-password', {
      title: req.t('staffLinks.forgotTitle'),
      email: '',
      errors: {},
      sent: canSend ? 'staffLinks.forgotSent' : 'staffLinks.forgotSentUnsent',
    });
    // After the answer, so neither its content nor its timing tells whether the address has an account.
    res.on('finish', () => {
      requestPasswordReset(services, { email: parsed.data, ip: req.ip ?? '' }).catch((err: unknown) =>
        services.logger.error({ err }, 'staff password reset mail failed'),
      );
    });
  });

  router.get('/password-set', (req, res) => {
    const done = req.query.for === 'invite' ? 'staffLinks.doneInvite' : 'staffLinks.doneReset';
    res.render('admin/staff-link', {
      title: req.t('login.title'),
      purpose: null,
      holder: null,
      done,
      values: {},
      errors: {},
      action: '',
    });
  });

  for (const purpose of ['invite', 'reset'] as const) {
    const render = (
      req: Request,
      res: Response,
      holder: LinkHolder | null,
      values: { name: string },
      errors: Record<string, string> = {},
      status = holder ? 200 : 404,
    ) => {
      // Never cached: the page carries a live token (and the Referer policy is same-origin).
      res.set('Cache-Control', 'no-store');
      res.status(status).render('admin/staff-link', {
        title: req.t(purpose === 'invite' ? 'staffLinks.inviteSubmit' : 'staffLinks.resetTitle'),
        purpose,
        holder,
        done: null,
        values,
        errors,
        action: `/admin${paths[purpose]}/${String(req.params.token)}`,
      });
    };
    router.get(`${paths[purpose]}/:token`, async (req, res) => {
      const holder = await linkHolder(services.db, purpose, req.params.token, services.clock.now());
      render(req, res, holder, { name: holder?.name ?? '' });
    });
    router.post(`${paths[purpose]}/:token`, async (req, res) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      try {
        await setPasswordByLink(services, purpose, req.params.token, {
          name: body.name,
          password: body.password,
          ip: req.ip ?? '',
        });
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        const holder = await linkHolder(services.db, purpose, req.params.token, services.clock.now());
        return render(
          req,
          res,
          holder,
          { name: typeof body.name === 'string' ? body.name.slice(0, 500) : '' },
          err.details ?? {},
          holder ? 400 : 404,
        );
      }
      // Whoever was signed in in this browser is signed out too: the next step is signing in as this account.
      req.logOut(() => res.redirect(303, `/admin/password-set?for=${purpose}`));
    });
  }
  return router;
}
