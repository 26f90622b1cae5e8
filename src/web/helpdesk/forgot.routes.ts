import { Router } from 'express';
import { z } from 'zod';
import { mailTrackingIds } from '../../tickets/forgot.service';
import { sendingStatus } from '../../mail/sending-status';
import type { Services } from '../app-services';

const emailSchema = z.string().trim().min(1).max(254).pipe(z.email());

/** /helpdesk/forgot: e-mails a customer their tracking IDs; the answer never says if we know them. */
export function forgotRoutes(services: Services): Router {
  const router = Router();
  router.get('/forgot', (req, res) =>
    res.render('helpdesk/forgot', { title: req.t('forgot.title'), email: '', error: null, sent: false }),
  );
  router.post('/forgot', async (req, res) => {
    const raw = typeof req.body?.email === 'string' ? req.body.email.slice(0, 254) : '';
    const parsed = emailSchema.safeParse(raw);
    if (!parsed.success)
      return res.status(400).render('helpdesk/forgot', {
        title: req.t('forgot.title'),
        email: raw,
        error: 'form.invalidEmail',
        sent: false,
      });
    // Whether our mail works is the same for every address, so the answer still says nothing about it.
    const { canSend } = await sendingStatus(services.db, services.settings);
    res.render('helpdesk/forgot', {
      title: req.t('forgot.title'),
      email: '',
      error: null,
      sent: canSend ? 'forgot.sent' : 'forgot.sentUnsent',
    });
    // After the answer is sent, so its timing says nothing about whether the address is known.
    res.on('finish', () => {
      mailTrackingIds(
        { ...services, signingSecret: services.config.secrets.signing },
        { email: parsed.data, ip: req.ip ?? '', language: req.language || 'en' },
      ).catch((err: unknown) => services.logger.error({ err }, 'forgot tracking ID mail failed'));
    });
  });
  return router;
}
