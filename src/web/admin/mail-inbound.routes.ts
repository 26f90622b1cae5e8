import { Router, type Request } from 'express';
import {
  inboundMailDetail,
  inboundMailPage,
  inboundMailRaw,
  discardFailedInbound,
  retryFailedInbound,
  type StaffAuditActor,
} from '../../mail-intake/inbound-staff.service';
import { effectiveZone } from '../../tickets/zoned-time';
import type { Services } from '../app-services';
import { requireAdmin } from '../auth/guards';
import { idParam } from '../params';
import { allowRemoteImages, sendRawMail, wantsRemoteImages } from './mail-original.view';

const actorOf = (req: Request): StaffAuditActor => ({ id: req.user!.id, name: req.user!.name, ip: req.ip ?? '' });
const outcomes = ['created', 'replied', 'duplicate', 'refused', 'kept_aside'];

/**
 * /admin/mail/inbound: received mail that did not become a ticket. Kept-aside mail (failed) can
 * be opened, downloaded, retried or discarded; refused mail (loops, junk, bans) is listed to
 * check the rules. Administrators only: such mail may be meant for any category, and nothing
 * ties it to the categories a staff member sees.
 */
export function mailInboundRoutes(services: Services): Router {
  const router = Router();
  router.use('/mail/inbound', requireAdmin);

  router.get('/mail/inbound', async (req, res) => {
    const page = await inboundMailPage(services.db, req.query);
    const tz = effectiveZone(await services.settings.get('helpdesk.timezone'));
    const done =
      typeof req.query.done === 'string' && ['discarded', ...outcomes].includes(req.query.done) ? req.query.done : null;
    res.render('admin/mail-inbound', {
      title: req.t('mailInbox.title'),
      ...page,
      tz,
      notice: done ? `mailInbox.done.${done}` : null,
      doneTicket:
        done && typeof req.query.ticket === 'string' && /^\d{1,9}$/.test(req.query.ticket)
          ? Number(req.query.ticket)
          : null,
      newestHref: `/admin/mail/inbound?status=${page.status}`,
      olderHref: page.next ? `/admin/mail/inbound?status=${page.status}&before=${page.next}` : null,
    });
  });

  router.get('/mail/inbound/:id', async (req, res) => {
    const remoteImages = wantsRemoteImages(req.query);
    const { row, original } = await inboundMailDetail(services, idParam(req.params.id), {
      remoteImages,
      imageWord: req.t('mailOriginal.image'),
    });
    allowRemoteImages(res, remoteImages);
    res.render('admin/mail-inbound-detail', {
      title: req.t('mailInbox.detailTitle'),
      row,
      original,
      remoteImages,
      tz: effectiveZone(await services.settings.get('helpdesk.timezone')),
      selfHref: `/admin/mail/inbound/${row.id}`,
    });
  });

  router.get('/mail/inbound/:id/raw', async (req, res) => {
    const { row, raw } = await inboundMailRaw(services, idParam(req.params.id));
    sendRawMail(res, raw, `inbound-mail-${row.id}.eml`);
  });

  router.post('/mail/inbound/:id/retry', async (req, res) => {
    const result = await retryFailedInbound(services, actorOf(req), idParam(req.params.id));
    const ticket = result.ticketId ? `&ticket=${result.ticketId}` : '';
    res.redirect(303, `/admin/mail/inbound?done=${result.outcome}${ticket}`);
  });

  router.post('/mail/inbound/:id/discard', async (req, res) => {
    await discardFailedInbound(services, actorOf(req), idParam(req.params.id));
    res.redirect(303, '/admin/mail/inbound?done=discarded');
  });
  return router;
}
