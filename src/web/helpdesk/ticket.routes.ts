import { Router, type NextFunction, type Request, type Response } from 'express';
import { findCustomerAttachment } from '../../attachments/attachments.repo';
import { customerStatusChoices, setCustomerChosenStatus } from '../../catalog/customer-status.service';
import { listFieldValues } from '../../custom-fields/custom-fields.repo';
import { ConflictError, NotFoundError, ValidationError } from '../../errors';
import { clientKey } from '../../security/client-key';
import { QuotaExceededError } from '../../security/reply-quota';
import { assertLookupAllowed, countFailedLookup } from '../../security/lookup-limit';
import { rateStaffReply, replyAsCustomer, setStatusByCustomer } from '../../tickets/customer-actions.service';
import { takesCustomerReply } from '../../auto-close/reopen-window';
import { rateResolution, surveyStateOf } from '../../csat/csat.service';
import { preselectedRating } from '../../csat/csat.schema';
import { survivingTicket, ticketForCustomer } from '../../tickets/customer-access.service';
import { listCustomerThread } from '../../tickets/customer-thread.repo';
import { checkMessageForm } from '../../tickets/message-form';
import { verifyTicketLink } from '../../tickets/ticket-link';
import { findTicketByTrackingId, type TicketView } from '../../tickets/tickets.repo';
import { formatTrackingId, parseTrackingId } from '../../tickets/tracking-id';
import { sendingStatus } from '../../mail/sending-status';
import type { Services } from '../app-services';
import { uploadedFiles } from '../middleware/multipart';
import { grantTicketAccess, hasTicketAccess } from './customer-access';
import { sendAttachment } from './send-attachment';
import { idParam } from '../params';
import { formSubmissionKey, sentSubmissionKey } from '../submission-key';
import { knownDone } from '../done-notice';

declare module 'express-serve-static-core' {
  interface Request {
    ticket?: TicketView;
  }
}

/** Failed lookups per client and hour, in the database so every instance counts them. */
async function lookupAllowed(services: Services, req: Request): Promise<void> {
  await assertLookupAllowed(
    services.db,
    clientKey(req.ip),
    await services.settings.get('spam.lookupFailuresPerHour'),
    services.clock.now(),
  );
}
async function lookupFailed(services: Services, req: Request): Promise<void> {
  await countFailedLookup(services.db, clientKey(req.ip), services.clock.now());
}

const customerNotices = ['replied', 'resolved', 'reopened', 'rated', 'satisfaction', 'status'] as const;

/** The notice after a customer's action on their ticket page; an unknown `?done=` shows none. */
function customerDoneNotice(done: unknown): string | null {
  const known = knownDone(done, customerNotices);
  return known === 'status' ? 'catalog.portal.statusChanged' : known ? `ticket.done.${known}` : null;
}

/** /helpdesk/tickets/...: find a ticket, read it, reply, resolve or reopen, rate, download. */
export function ticketRoutes(services: Services): Router {
  const router = Router();
  const secret = services.config.secrets.signing;

  const renderFind = (
    req: Request,
    res: Response,
    values: { tracking: string; email: string },
    error: string | null,
    status = 200,
  ) => res.status(status).render('helpdesk/find-ticket', { title: req.t('find.title'), values, error });

  router.get('/tickets', (req, res) =>
    renderFind(
      req,
      res,
      { tracking: typeof req.query.t === 'string' ? req.query.t.slice(0, 20) : '', email: '' },
      null,
    ),
  );

  router.post('/tickets', async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const values = {
      tracking: typeof body.tracking === 'string' ? body.tracking.slice(0, 40) : '',
      email: typeof body.email === 'string' ? body.email.slice(0, 254) : '',
    };
    await lookupAllowed(services, req);
    const trackingId = parseTrackingId(values.tracking);
    const ticket = trackingId && values.email ? await ticketForCustomer(services.db, trackingId, values.email) : null;
    if (!ticket) {
      await lookupFailed(services, req);
      return renderFind(req, res, values, 'find.notFound', 404);
    }
    await grantTicketAccess(req, ticket.id, services.clock.now());
    res.redirect(303, `/helpdesk/tickets/${ticket.trackingId}`);
  });

  /** Loads the ticket of the URL when this browser may see it; everything else is "not found". */
  const loadTicket = async (req: Request, res: Response, next: NextFunction) => {
    const trackingId = parseTrackingId(req.params.trackingId);
    const found = trackingId ? await findTicketByTrackingId(services.db, trackingId) : undefined;
    const known = found !== undefined && hasTicketAccess(req, found.id);
    if (!known) await lookupAllowed(services, req);
    if (found && !known && verifyTicketLink(secret, found.trackingId, req.query.k, services.clock.now()))
      await grantTicketAccess(req, found.id, services.clock.now());
    if (!found || !hasTicketAccess(req, found.id)) {
      if (req.method === 'GET' && trackingId && typeof req.query.k !== 'string')
        return res.redirect(303, `/helpdesk/tickets?t=${formatTrackingId(trackingId)}`);
      await lookupFailed(services, req);
      return next(new NotFoundError());
    }
    const ticket = await survivingTicket(services.db, found);
    if (ticket.id !== found.id) {
      await grantTicketAccess(req, ticket.id, services.clock.now());
      return res.redirect(303, `/helpdesk/tickets/${ticket.trackingId}`);
    }
    req.ticket = ticket;
    next();
  };

  /** `submissionKey`: the one-time key a refused reply was sent with, shown again with it. */
  async function renderTicket(
    req: Request,
    res: Response,
    extra: {
      errors?: Record<string, string>;
      reply?: string;
      notice?: string | null;
      submissionKey?: string | null;
      survey?: { values: Record<string, unknown>; errors: Record<string, string> };
    } = {},
    status = 200,
  ) {
    const ticket = req.ticket!;
    const settings = await services.settings.all();
    // Field values are read only when some field is shown to customers at all.
    const [messages, fields, survey] = await Promise.all([
      listCustomerThread(services.db, ticket.id),
      services.catalog.hasCustomerFields().then((any) => (any ? listFieldValues(services.db, ticket.id) : [])),
      surveyStateOf(services.db, ticket),
    ]);
    res.status(status).render('helpdesk/ticket', {
      title: `${formatTrackingId(ticket.trackingId)} · ${ticket.subject}`,
      brand: settings['helpdesk.name'],
      tz: settings['helpdesk.timezone'],
      ticket,
      trackingLabel: formatTrackingId(ticket.trackingId),
      messages,
      fields: fields.filter((f) => f.visibleToCustomer),
      survey: {
        ...survey,
        errors: extra.survey?.errors ?? {},
        rating:
          typeof extra.survey?.values.rating === 'string'
            ? extra.survey.values.rating
            : String(preselectedRating(req.query.rate) ?? ''),
        comment: typeof extra.survey?.values.comment === 'string' ? extra.survey.values.comment : '',
      },
      canResolve: settings['portal.customerResolve'] && ticket.statusIsOpen,
      canReopen:
        settings['portal.customerReopen'] &&
        !ticket.statusIsOpen &&
        takesCustomerReply(ticket, settings['tickets.reopenDays'], services.clock.now()),
      canReply:
        takesCustomerReply(ticket, settings['tickets.reopenDays'], services.clock.now()) &&
        (ticket.statusIsOpen || settings['portal.customerReopen']),
      customerStatuses: await customerStatusChoices(services.catalog, ticket),
      attachmentRules: {
        maxCount: settings['attachments.maxCount'],
        maxSizeMb: settings['attachments.maxSizeMb'],
        types: settings['attachments.allowedTypes'],
      },
      errors: extra.errors ?? {},
      reply: extra.reply ?? '',
      submissionKey: formSubmissionKey(extra.submissionKey),
      notice: extra.notice ?? customerDoneNotice(req.query.done),
    });
  }

  router.get('/tickets/:trackingId/created', loadTicket, async (req, res) => {
    const ticket = req.ticket!;
    // The tracking ID mail is only queued yet: "on its way" when the server works, else "note it down".
    const { canSend } = await sendingStatus(services.db, services.settings);
    res.render('helpdesk/ticket-created', {
      title: req.t('created.title'),
      brand: await services.settings.get('helpdesk.name'),
      ticket,
      trackingLabel: formatTrackingId(ticket.trackingId),
      mailedKey: canSend ? 'created.mailed' : 'created.mailedUnsent',
    });
  });

  router.get('/tickets/:trackingId', loadTicket, (req, res) => renderTicket(req, res));

  router.post('/tickets/:trackingId/reply', loadTicket, async (req, res) => {
    const ticket = req.ticket!;
    const settings = await services.settings.all();
    const body = (req.body ?? {}) as Record<string, unknown>;
    const reply = typeof body.message === 'string' ? body.message : '';
    // Past the reopen window a closed ticket takes no more answers: the page offers a new ticket.
    if (
      !ticket.statusIsOpen &&
      (!settings['portal.customerReopen'] ||
        !takesCustomerReply(ticket, settings['tickets.reopenDays'], services.clock.now()))
    )
      throw new ConflictError('ticket_closed', 'This ticket is closed.');
    const submissionKey = sentSubmissionKey(body.submission_key);
    const form = await checkMessageForm(body, uploadedFiles(req), settings);
    if (!form.ok) return renderTicket(req, res, { errors: form.errors, reply, submissionKey }, 400);
    try {
      // A second send of the same form (double click, refresh, retry) stores nothing new and lands on the same page.
      await replyAsCustomer({ ...services, settings }, ticket, {
        body: form.message,
        files: form.files,
        ip: req.ip ?? null,
        submissionKey,
      });
    } catch (err) {
      if (!(err instanceof QuotaExceededError)) throw err;
      res.set('Retry-After', String(err.retryAfterSeconds));
      return renderTicket(req, res, { errors: { [err.field]: err.formError }, reply, submissionKey }, 429);
    }
    res.redirect(303, `/helpdesk/tickets/${ticket.trackingId}?done=replied#latest`);
  });

  router.post('/tickets/:trackingId/status', loadTicket, async (req, res) => {
    const ticket = req.ticket!;
    const action = req.body?.action;
    const settings = await services.settings.all();
    if (action === 'resolve' && settings['portal.customerResolve'])
      await setStatusByCustomer(services, ticket, 'resolve');
    else if (
      action === 'reopen' &&
      settings['portal.customerReopen'] &&
      takesCustomerReply(ticket, settings['tickets.reopenDays'], services.clock.now())
    )
      await setStatusByCustomer(services, ticket, 'reopen');
    else if (action === 'choose') {
      await setCustomerChosenStatus(services, ticket, req.body?.status);
      return res.redirect(303, `/helpdesk/tickets/${ticket.trackingId}?done=status`);
    } else throw new ValidationError('Unknown action.');
    res.redirect(303, `/helpdesk/tickets/${ticket.trackingId}?done=${action === 'resolve' ? 'resolved' : 'reopened'}`);
  });

  // The satisfaction survey of the current resolution: once (a second answer is a 409).
  router.post('/tickets/:trackingId/satisfaction', loadTicket, async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    try {
      await rateResolution(services, req.ticket!, body);
    } catch (err) {
      if (!(err instanceof ValidationError) || !err.details) throw err;
      return renderTicket(req, res, { survey: { values: body, errors: err.details } }, 400);
    }
    res.redirect(303, `/helpdesk/tickets/${req.ticket!.trackingId}?done=satisfaction#satisfaction`);
  });

  router.post('/tickets/:trackingId/messages/:messageId/rating', loadTicket, async (req, res) => {
    const ticket = req.ticket!;
    const rating = req.body?.rating === 'up' ? 1 : req.body?.rating === 'down' ? -1 : null;
    const messageId = idParam(req.params.messageId);
    if (!rating || !Number.isSafeInteger(messageId)) throw new ValidationError('Unknown rating.');
    await rateStaffReply(services, ticket, messageId, rating);
    res.redirect(303, `/helpdesk/tickets/${ticket.trackingId}?done=rated#message-${messageId}`);
  });

  router.get('/tickets/:trackingId/attachments/:attachmentId', loadTicket, async (req, res) => {
    const id = idParam(req.params.attachmentId);
    const attachment = Number.isSafeInteger(id)
      ? await findCustomerAttachment(services.db, req.ticket!.id, id)
      : undefined;
    if (!attachment) throw new NotFoundError();
    sendAttachment(res, attachment, services.store);
  });

  return router;
}
