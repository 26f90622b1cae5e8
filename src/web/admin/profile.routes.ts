import { Router, type Request, type Response } from 'express';
import { TooManyRequestsError, ValidationError } from '../../errors';
import { languages } from '../../i18n/i18n';
import { changePassword, profileOf, saveDetails, saveNotifications } from '../../profile/profile.service';
import { twoFactorStatus } from '../../staff/two-factor.service';
import { revokeReplyAddresses } from '../../staff-mail/reply-addresses.service';
import type { Services } from '../app-services';
import { keepCurrentSession } from '../auth/passport';
import { markAuthConfirmed } from '../auth/recent-auth';

type Form = 'details' | 'notifications' | 'password';
const notices = new Set([
  'details',
  'notifications',
  'password',
  'passwordTokens',
  'twoFactorOn',
  'twoFactorOff',
  'replyAddresses',
]);
const text = (body: Record<string, unknown>, k: string) =>
  typeof body[k] === 'string' ? (body[k] as string).slice(0, 5000) : '';

/** /admin/profile: the signed-in staff member's own details, notifications and password. */
export function profileRoutes(services: Services): Router {
  const router = Router();
  const me = (req: Request) => ({ id: req.user!.id, name: req.user!.name, email: req.user!.email });

  async function render(
    req: Request,
    res: Response,
    failed?: { form: Form; errors: Record<string, string>; values: Record<string, unknown> },
    status = 200,
  ) {
    const profile = await profileOf(services.db, req.user!.id);
    const done = typeof req.query.done === 'string' && notices.has(req.query.done) ? req.query.done : null;
    res.status(status).render('admin/profile', {
      title: req.t('profile.title'),
      values: { ...profile, ...(failed?.form === 'password' ? {} : (failed?.values ?? {})) },
      errors: failed?.errors ?? {},
      // Ticked by default; a refused form keeps the person's choice.
      revokeTokens: failed?.form === 'password' ? failed.values.revoke_tokens === 'yes' : true,
      failedForm: failed?.form ?? null,
      notice: done ? `profile.done.${done}` : null,
      twoFactor: await twoFactorStatus(services.db, req.user!.id),
      // Only while staff may answer by e-mail: otherwise there are no reply addresses to revoke.
      staffReplies: (await services.settings.all())['mail.staffReplies'],
      languageOptions: languages.map((l) => ({ value: l.code, label: l.name })),
    });
  }

  router.get('/profile', (req, res) => render(req, res));

  router.post('/profile', async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    try {
      const saved = await saveDetails(services, req.user!.id, body);
      // ?lang= also switches the pages to the language just chosen (the cookie remembers it).
      res.redirect(303, `/admin/profile?done=details&lang=${saved.language}`);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      await render(
        req,
        res,
        {
          form: 'details',
          errors: err.details ?? {},
          values: { name: text(body, 'name'), signature: text(body, 'signature'), language: text(body, 'language') },
        },
        400,
      );
    }
  });

  router.post('/profile/notifications', async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    try {
      await saveNotifications(services, req.user!.id, body);
      res.redirect(303, '/admin/profile?done=notifications#notifications');
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      await render(req, res, { form: 'notifications', errors: err.details ?? {}, values: {} }, 400);
    }
  });

  router.post('/profile/password', async (req, res, next) => {
    try {
      const { validAfter, tokensRevoked } = await changePassword(
        services,
        me(req),
        req.body ?? {},
        req.ip ?? 'unknown',
      );
      // Every other session of the account is over; this one stays, under a new id.
      keepCurrentSession(req, validAfter);
      req.logIn(req.user!, { session: true, keepSessionInfo: true }, (err) => {
        if (err) return next(err);
        markAuthConfirmed(req, services.clock.now());
        res.redirect(303, `/admin/profile?done=${tokensRevoked > 0 ? 'passwordTokens' : 'password'}`);
      });
    } catch (err) {
      if (err instanceof TooManyRequestsError) res.set('Retry-After', String(err.retryAfterSeconds));
      const errors =
        err instanceof ValidationError
          ? err.details
          : err instanceof TooManyRequestsError
            ? { current_password: 'profile.error.throttled' }
            : null;
      if (!errors) throw err;
      await render(
        req,
        res,
        { form: 'password', errors, values: { revoke_tokens: text(req.body ?? {}, 'revoke_tokens') } },
        err instanceof TooManyRequestsError ? 429 : 400,
      );
    }
  });

  router.post('/profile/reply-addresses', async (req, res) => {
    await revokeReplyAddresses(services, me(req), req.ip ?? 'unknown');
    res.redirect(303, '/admin/profile?done=replyAddresses#reply-addresses');
  });

  return router;
}
