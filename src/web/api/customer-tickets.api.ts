import { Router, type Request } from 'express';
import { listCustomerAttachments } from '../../attachments/attachments.repo';
import { NotFoundError } from '../../errors';
import { clientKey } from '../../security/client-key';
import { assertLookupAllowed, countFailedLookup } from '../../security/lookup-limit';
import { ticketForCustomer } from '../../tickets/customer-access.service';
import { listCustomerMessages } from '../../tickets/messages.repo';
import { submitTicket } from '../../tickets/submission.service';
import type { TicketView } from '../../tickets/tickets.repo';
import { formatTrackingId, parseTrackingId } from '../../tickets/tracking-id';
import { isLanguage } from '../../i18n/i18n';
import type { Services } from '../app-services';

function ticketJson(t: TicketView) {
  return {
    trackingId: formatTrackingId(t.trackingId),
    subject: t.subject,
    status: t.statusKey,
    priority: t.priorityKey,
    category: { id: t.categoryId, name: t.categoryName },
    createdAt: new Date(t.createdAt).toISOString(),
    updatedAt: new Date(t.updatedAt).toISOString(),
    resolvedAt: t.resolvedAt ? new Date(t.resolvedAt).toISOString() : null,
  };
}

/** Custom field values arrive as { "fields": { "<id>": value } }; the form names them field_<id>. */
function flattenFields(body: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...body };
  const fields = body.fields;
  if (fields && typeof fields === 'object' && !Array.isArray(fields)) {
    for (const [id, value] of Object.entries(fields as Record<string, unknown>)) if (/^\d{1,9}$/.test(id)) out[`field_${id}`] = value;
  }
  return out;
}

/**
 * The customer's side of the REST API: open a ticket (the web form's validation, bans and
 * limits) and read one with its tracking ID and e-mail address.
 */
export function customerTicketsApi(services: Services): Router {
  const router = Router();

  router.post('/tickets', async (req: Request, res) => {
    const body = req.body && typeof req.body === 'object' && !Array.isArray(req.body) ? (req.body as Record<string, unknown>) : {};
    const { ticket, created } = await submitTicket(
      { ...services, settings: await services.settings.all(), signingSecret: services.config.secrets.signing },
      { body: flattenFields(body), files: [], ip: req.ip ?? '', language: isLanguage(body.language) ? body.language : await services.settings.get('helpdesk.language'), channel: 'api', submissionKey: null },
    );
    res.status(created ? 201 : 200).json({ ticket: ticketJson(ticket) });
  });

  // The same path as the staff view (one path, one OpenAPI entry): here without a token.
  router.get('/tickets/:ticket', async (req, res) => {
    const client = clientKey(req.ip);
    await assertLookupAllowed(services.db, client, await services.settings.get('spam.lookupFailuresPerHour'), services.clock.now());
    const trackingId = parseTrackingId(req.params.ticket);
    const email = typeof req.query.email === 'string' ? req.query.email : '';
    const ticket = trackingId && email ? await ticketForCustomer(services.db, trackingId, email) : null;
    if (!ticket) {
      await countFailedLookup(services.db, client, services.clock.now());
      throw new NotFoundError('Ticket not found');
    }
    const [messages, attachments] = await Promise.all([listCustomerMessages(services.db, ticket.id), listCustomerAttachments(services.db, ticket.id)]);
    res.json({
      ticket: {
        ...ticketJson(ticket),
        messages: messages.map((m) => ({
          id: m.id,
          from: m.kind,
          author: m.authorName,
          body: m.body,
          createdAt: new Date(m.createdAt).toISOString(),
          rating: m.kind === 'staff' ? m.rating : undefined,
          attachments: attachments.filter((a) => a.messageId === m.id).map((a) => ({ id: a.id, fileName: a.fileName, size: a.size, contentType: a.contentType })),
        })),
      },
    });
  });
  return router;
}
