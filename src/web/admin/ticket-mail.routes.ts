import { Router } from 'express';
import { customerDeliveriesByMessage } from '../../mail/delivery-state';
import { listMailByTicket } from '../../mail/outbox.repo';
import { resendFailedMail } from '../../mail/resend.service';
import type { Services } from '../app-services';
import { idParam } from '../params';

/**
 * The customer mails of a ticket on its page: each reply's delivery state (the page's partial
 * views/admin/partials/mail-delivery.ejs reads it from res.locals, filled here for the ticket
 * page's requests, so the page's own route needs no change), and "send again" for a failed one.
 */
export function ticketMailRoutes(services: Services): Router {
  const router = Router();

  router.use('/tickets/:id', async (req, res, next) => {
    const id = idParam(req.params.id);
    // Only what renders the ticket page: not the presence heartbeat, a file or the canned text.
    if (Number.isNaN(id) || /^\/(presence|attachments\/|canned\/)/.test(req.path)) return next();
    // Read, not shown: the page itself checks that this person may see the ticket first.
    res.locals.mailDeliveries = customerDeliveriesByMessage(await listMailByTicket(services.db, id));
    next();
  });

  router.post('/tickets/:id/mail/:mailId/resend', async (req, res) => {
    const ticketId = idParam(req.params.id);
    await resendFailedMail(services, req.user!, ticketId, idParam(req.params.mailId));
    services.logger.info(
      { by: req.user!.email, ticketId, mailId: idParam(req.params.mailId) },
      'failed mail queued again',
    );
    res.redirect(303, `/admin/tickets/${ticketId}?done=mailresent`);
  });
  return router;
}
