import { Router, type Request } from 'express';
import type { Capability } from '../../staff/capabilities';
import { findCustomerAttachment, listCustomerAttachments } from '../../attachments/attachments.repo';
import { sendAttachment } from '../helpdesk/send-attachment';
import { NotFoundError } from '../../errors';
import { clientKey } from '../../security/client-key';
import { assertLookupAllowed, countFailedLookup } from '../../security/lookup-limit';
import { ticketForCustomer } from '../../tickets/customer-access.service';
import { listCustomerMessages } from '../../tickets/messages.repo';
import { submitTicket } from '../../tickets/submission.service';
import type { TicketView } from '../../tickets/tickets.repo';
import { formatTrackingId, parseTrackingId } from '../../tickets/tracking-id';
import type { z } from 'zod';
import { parseInput } from './api-input';
import { requireTokenWith } from './bearer-auth';
import { attachmentParams, customerLookupQuery, ticketSubmission } from './customer-api.schema';
import { idempotent } from './idempotency';
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
function flattenFields(body: z.output<typeof ticketSubmission>): Record<string, unknown> {
  const { fields, ...rest } = body;
  const out: Record<string, unknown> = { ...rest };
  for (const [id, value] of Object.entries(fields ?? {})) out[`field_${id}`] = value;
  return out;
}

/**
 * The customer's side of the REST API: open a ticket for a customer (with a staff token; the web
 * form's validation, bans and limits) and read one with its tracking ID and e-mail address.
 */
/** What a token's owner needs to open a ticket for a customer through the API. */
export const ticketCreationCapability = 'tickets.create' satisfies Capability;

export function customerTicketsApi(services: Services): Router {
  const router = Router();

  // A program opens tickets for customers with a staff token: the web form's anti-spam question,
  // fill time and honeypot cannot apply to a program, so the token is what vouches for it (bans
  // and the submission limits still apply). A repeat is recognised by its Idempotency-Key.
  router.post(
    '/tickets',
    requireTokenWith(ticketCreationCapability),
    idempotent(services),
    async (req: Request, res) => {
      const body = parseInput(ticketSubmission, req.body);
      const { ticket } = await submitTicket(
        { ...services, settings: await services.settings.all(), signingSecret: services.config.secrets.signing },
        {
          body: flattenFields(body),
          files: [],
          ip: req.ip ?? '',
          language: body.language ?? (await services.settings.get('helpdesk.language')),
          channel: 'api',
          submissionKey: null,
        },
      );
      res
        .status(201)
        .location(`/api/v1/tickets/${ticket.id}`)
        .json({ ticket: ticketJson(ticket) });
    },
  );

  /** The ticket of a tracking ID and the customer's address; misses count against the address's lookup limit. */
  async function lookup(req: Request): Promise<TicketView> {
    const client = clientKey(req.ip);
    await assertLookupAllowed(
      services.db,
      client,
      await services.settings.get('spam.lookupFailuresPerHour'),
      services.clock.now(),
    );
    const { email } = parseInput(customerLookupQuery, req.query);
    const trackingId = parseTrackingId(String(req.params.ticket));
    const ticket = trackingId && email ? await ticketForCustomer(services.db, trackingId, email) : null;
    if (!ticket) {
      await countFailedLookup(services.db, client, services.clock.now());
      throw new NotFoundError('Ticket not found');
    }
    return ticket;
  }

  // The same paths as the staff views (one path, one OpenAPI entry): here without a token.
  router.get('/tickets/:ticket', async (req, res) => {
    const ticket = await lookup(req);
    const [messages, attachments] = await Promise.all([
      listCustomerMessages(services.db, ticket.id),
      listCustomerAttachments(services.db, ticket.id),
    ]);
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
          attachments: attachments
            .filter((a) => a.messageId === m.id)
            .map((a) => ({ id: a.id, fileName: a.fileName, size: a.size, contentType: a.contentType })),
        })),
      },
    });
  });

  // A file of the conversation (never of an internal note).
  router.get('/tickets/:ticket/attachments/:attachment', async (req, res) => {
    const ticket = await lookup(req);
    const id = Number(parseInput(attachmentParams, { attachment: req.params.attachment }).attachment);
    const found = await findCustomerAttachment(services.db, ticket.id, id);
    if (!found) throw new NotFoundError('Ticket not found'); // the same answer as a wrong address
    sendAttachment(res, found, services.store);
  });
  return router;
}
