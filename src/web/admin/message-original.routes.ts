import { Router } from 'express';
import { messagesWithOriginal } from '../../mail-intake/inbound-staff.repo';
import { messageOriginal } from '../../mail-intake/inbound-staff.service';
import { formatTrackingId } from '../../tickets/tracking-id';
import { effectiveZone } from '../../tickets/zoned-time';
import type { Services } from '../app-services';
import { idParam } from '../params';
import { allowRemoteImages, sendRawMail, wantsRemoteImages } from './mail-original.view';

/**
 * The original e-mail of a message that came by mail, one click from the ticket page: its full
 * text with the quoted history, its HTML sanitized with remote images held back until asked
 * for, its files. Whoever may open the ticket may open it; the ticket page's "Show original"
 * link comes from the set filled here for the page's requests (views/admin/ticket.ejs, beside each message).
 */
export function messageOriginalRoutes(services: Services): Router {
  const router = Router();

  router.use('/tickets/:id', async (req, res, next) => {
    const id = idParam(req.params.id);
    // Only the ticket page itself; the page checks that this person may see the ticket first.
    if (Number.isNaN(id) || req.path !== '/' || req.method !== 'GET') return next();
    res.locals.mailOriginals = await messagesWithOriginal(services.db, id);
    next();
  });

  router.get('/tickets/:id/messages/:messageId/original', async (req, res) => {
    const remoteImages = wantsRemoteImages(req.query);
    const { ticket, original } = await messageOriginal(
      services,
      req.user!,
      idParam(req.params.id),
      idParam(req.params.messageId),
      { remoteImages, imageWord: req.t('mailOriginal.image') },
    );
    allowRemoteImages(res, remoteImages);
    res.render('admin/message-original', {
      title: req.t('mailOriginal.title'),
      ticket,
      trackingLabel: formatTrackingId(ticket.trackingId),
      original,
      remoteImages,
      tz: effectiveZone(await services.settings.get('helpdesk.timezone')),
      selfHref: `/admin/tickets/${ticket.id}/messages/${idParam(req.params.messageId)}/original`,
    });
  });

  router.get('/tickets/:id/messages/:messageId/original.eml', async (req, res) => {
    const messageId = idParam(req.params.messageId);
    const { raw } = await messageOriginal(services, req.user!, idParam(req.params.id), messageId, {
      remoteImages: false,
    });
    sendRawMail(res, raw, `message-${messageId}.eml`);
  });
  return router;
}
