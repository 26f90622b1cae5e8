import { Router, type Request, type Response } from 'express';
import { findTicketAttachment, listTicketAttachments } from '../../attachments/attachments.repo';
import { categoryChoicesFor } from '../../categories/categories.repo';
import { listFieldValues } from '../../custom-fields/custom-fields.repo';
import { ForbiddenError, NotFoundError, ValidationError } from '../../errors';
import { can } from '../../staff/capabilities';
import { viewerCategories } from '../viewer-categories';
import { listActiveStaff } from '../../staff/staff.repo';
import { listAllMessages } from '../../tickets/messages.repo';
import {
  addInternalNote,
  assign,
  deleteTicket,
  escalate,
  mergeTickets,
  moveToCategory,
  setPriority,
  setStatus,
  survivingTicketForStaff,
  ticketForStaff,
  workableTicketForStaff,
  type CapableStaff,
} from '../../tickets/staff-actions.service';
import { listPriorities, listStatuses } from '../../tickets/statuses.repo';
import { checkMessageForm } from '../../tickets/message-form';
import { listTicketEvents } from '../../tickets/ticket-events.repo';
import { findTicketByTrackingId, listTicketsOfCustomer, type TicketView } from '../../tickets/tickets.repo';
import { formatTrackingId, parseTrackingId } from '../../tickets/tracking-id';
import { cannedForStaff, fillPlaceholders, listCanned, searchCanned } from '../../canned/canned.service';
import type { Canned } from '../../canned/canned.repo';
import {
  kbArticlesForReply,
  kbInsertForReply,
  kbReplyPickerInUse,
  type KbReplyArticle,
} from '../../kb/kb-for-tickets.service';
import { mailSendingView, ticketDoneNotice } from './mail-sending.view';
import type { Services } from '../app-services';
import { sendAttachment } from '../helpdesk/send-attachment';
import { uploadedFiles } from '../middleware/multipart';
import { sendReplyUnlessNewer } from '../../tickets/reply-desk.service';
import { collisionState, replyOptions, ticketExtrasRoutes } from './ticket-extras.routes';
import { ticketExtrasView, type ExtrasState } from './ticket-extras.view';
import { idParam } from '../params';
import { formSubmissionKey, sentSubmissionKey } from '../submission-key';
import { knownDone } from '../done-notice';

const actorOf = (req: Request): CapableStaff => req.user!;
/** The picker's search: canned responses, and knowledge-base articles (their link or text). */
type CannedSearch = { q: string; matches: Canned[]; articles: KbReplyArticle[] };
/** A knowledge-base pick of the picker without script: `kb_link=ID` or `kb_text=ID`. */
const kbPickOf = (body: Record<string, unknown>): { id: number; as: 'link' | 'text' } | null =>
  body.kb_link !== undefined
    ? { id: idParam(body.kb_link), as: 'link' }
    : body.kb_text !== undefined
      ? { id: idParam(body.kb_text), as: 'text' }
      : null;

/** The staff ticket page's `?done=` notices (redirects of this file, ticket creation and mail resending). */
const ticketNotices = ['replied', 'noted', 'saved', 'taken', 'merged', 'escalated', 'created', 'mailresent'] as const;

/** /admin/tickets/:id: the whole ticket for staff, and what they do with it. */
export function ticketPageRoutes(services: Services): Router {
  const router = Router();
  const load = async (req: Request) =>
    ticketForStaff(services.db, actorOf(req), idParam(req.params.id), await viewerCategories(services.db, req));
  // What changes a ticket refuses a merged one (its page sends people to the surviving ticket).
  const loadWorkable = (req: Request) => workableTicketForStaff(services.db, actorOf(req), idParam(req.params.id));

  /** `keys`: the one-time keys a refused reply or note form was sent with, shown again with it. */
  type Extra = {
    errors?: Record<string, string>;
    reply?: string;
    note?: string;
    ticket?: TicketView;
    extras?: ExtrasState;
    cannedSearch?: CannedSearch;
    keys?: { reply?: unknown; note?: unknown };
  };
  /** The page; a caller that has just loaded the ticket (and changed nothing) passes it along. */
  async function render(req: Request, res: Response, extra: Extra = {}, status = 200) {
    const ticket = extra.ticket ?? (await load(req));
    const visible = await viewerCategories(services.db, req);
    const [others, messages, attachments, fields, events, statuses, priorities, categories, staff, settings] =
      await Promise.all([
        listTicketsOfCustomer(services.db, ticket.customerId, { openOnly: false, limit: 11 }),
        listAllMessages(services.db, ticket.id),
        listTicketAttachments(services.db, ticket.id),
        listFieldValues(services.db, ticket.id),
        listTicketEvents(services.db, ticket.id),
        listStatuses(services.db),
        listPriorities(services.db),
        categoryChoicesFor(services.db, ticket.categoryId),
        listActiveStaff(services.db),
        services.settings.all(),
      ]);
    const extras = await ticketExtrasView(
      services,
      req,
      ticket,
      events,
      { visible, fieldValues: fields },
      extra.extras,
    );
    const mailSending = await mailSendingView(services, req);
    const done = knownDone(req.query.done, ticketNotices);
    const latestReplyId = messages.filter((m) => m.kind === 'staff').at(-1)?.id;
    res.status(status).render('admin/ticket', {
      extras,
      title: `${formatTrackingId(ticket.trackingId)} · ${ticket.subject}`,
      ticket,
      trackingLabel: formatTrackingId(ticket.trackingId),
      messages: messages.map((m) => ({ ...m, attachments: attachments.filter((a) => a.messageId === m.id) })),
      fields,
      events,
      otherTickets: others
        .filter((o) => o.id !== ticket.id && (visible === 'all' || visible.includes(o.categoryId)))
        .slice(0, 10)
        .map((o) => ({ ...o, trackingLabel: formatTrackingId(o.trackingId) })),
      statuses,
      priorities,
      categories: visible === 'all' ? categories : categories.filter((c) => visible.includes(Number(c.id))),
      staff,
      tz: settings['helpdesk.timezone'],
      attachmentRules: {
        maxCount: settings['attachments.maxCount'],
        maxSizeMb: settings['attachments.maxSizeMb'],
        types: settings['attachments.allowedTypes'],
      },
      errors: extra.errors ?? {},
      reply: extra.reply ?? extras.draft ?? '',
      canned: await listCanned(services.db, actorOf(req)),
      kbPicker: await kbReplyPickerInUse(services.db),
      cannedSearch: extra.cannedSearch ?? null,
      note: extra.note ?? '',
      submissionKeys: {
        reply: formSubmissionKey(extra.keys?.reply),
        note: formSubmissionKey(extra.keys?.note),
        time: formSubmissionKey(extra.extras?.values?.submission_key),
      },
      mailSending,
      notice: ticketDoneNotice(done, res.locals.mailDeliveries, latestReplyId, mailSending),
    });
  }

  /** A canned response with its placeholders filled for this ticket and this person. */
  async function filledCanned(req: Request, ticket: TicketView, cannedId: number): Promise<string> {
    const canned = await cannedForStaff(services.db, actorOf(req), cannedId);
    const url = await services.settings.get('helpdesk.url');
    return fillPlaceholders(canned.body, {
      customerName: ticket.customerName,
      trackingId: formatTrackingId(ticket.trackingId),
      ticketLink: `${url}/helpdesk/tickets/${ticket.trackingId}`,
      staffName: req.user!.name,
    });
  }

  /**
   * What "Insert" picks: the chosen response, or the only match of a search. Otherwise the
   * matches to choose from (none, or several).
   */
  async function pickCanned(
    req: Request,
    ticket: TicketView,
    source: Record<string, unknown>,
  ): Promise<{ id: number } | { search: CannedSearch } | null> {
    const id = idParam(source.canned);
    if (Number.isSafeInteger(id)) return { id };
    const q = typeof source.canned_q === 'string' ? source.canned_q.trim().slice(0, 200) : '';
    if (!q) return null;
    const matches = searchCanned(await listCanned(services.db, actorOf(req)), q);
    const articles = await kbArticlesForReply(
      services.db,
      q,
      ticket.language,
      await services.settings.get('helpdesk.language'),
    );
    return matches.length === 1 && !articles.length ? { id: matches[0]!.id } : { search: { q, matches, articles } };
  }

  /** A knowledge-base article's customer link or plain text, in the ticket's language, for its reply. */
  async function kbInsert(ticket: TicketView, pick: { id: number; as: 'link' | 'text' }): Promise<string> {
    const [fallback, url] = await Promise.all([
      services.settings.get('helpdesk.language'),
      services.settings.get('helpdesk.url'),
    ]);
    return kbInsertForReply(services.db, pick.id, pick.as, ticket.language, fallback, url);
  }

  router.get('/tickets/:id', async (req, res) => {
    const ticket = await load(req);
    // A merged ticket's tracking ID leads on to the ticket it was merged into.
    if (ticket.mergedIntoId !== null)
      return res.redirect(
        302,
        `/admin/tickets/${(await survivingTicketForStaff(services.db, actorOf(req), ticket)).id}`,
      );
    // "Insert" by link (?canned=ID or ?canned_q=...): the reply box opens with it, placeholders filled.
    const picked = await pickCanned(req, ticket, req.query as Record<string, unknown>);
    if (!picked) return render(req, res, { ticket });
    if ('search' in picked) return render(req, res, { ticket, cannedSearch: picked.search });
    await render(req, res, { ticket, reply: await filledCanned(req, ticket, picked.id) });
  });

  /**
   * "Insert" without script: the picker's buttons submit the reply form here, so what was typed
   * stays, and the canned text follows it after a blank line. Nothing is saved.
   */
  router.post('/tickets/:id/canned', async (req, res) => {
    const ticket = await loadWorkable(req);
    if (!can(actorOf(req), 'tickets.reply')) throw new ForbiddenError();
    const body = (req.body ?? {}) as Record<string, unknown>;
    const typed = (typeof body.message === 'string' ? body.message : '').replace(/\r\n?/g, '\n').replace(/\s+$/, '');
    const extras = {
      addSignature: body.add_signature === 'yes',
      replyStatus: typeof body.status === 'string' && body.status ? body.status : undefined,
    };
    const kbPick = kbPickOf(body);
    if (kbPick) {
      try {
        const text = await kbInsert(ticket, kbPick);
        return await render(req, res, { ticket, reply: typed ? `${typed}\n\n${text}` : text, extras });
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        return render(
          req,
          res,
          { ticket, reply: typed, extras, errors: { message: err.details?.kb ?? 'form.invalid' } },
          400,
        );
      }
    }
    const picked = await pickCanned(req, ticket, body);
    if (!picked) return render(req, res, { ticket, reply: typed, extras });
    if ('search' in picked) return render(req, res, { ticket, reply: typed, extras, cannedSearch: picked.search });
    const text = await filledCanned(req, ticket, picked.id);
    await render(req, res, { ticket, reply: typed ? `${typed}\n\n${text}` : text, extras });
  });

  /** The same, for the page's script: the filled text to insert at the cursor, no reload. */
  router.get('/tickets/:id/canned/:cannedId.json', async (req, res) => {
    const ticket = await load(req);
    const text = await filledCanned(req, ticket, idParam(req.params.cannedId));
    res.json({ text }); // no-store like every page (src/web/app.ts)
  });

  /** A knowledge-base article's link (`?as=link`) or text (`?as=text`) for the page's script. */
  router.get('/tickets/:id/canned/kb/:articleId.json', async (req, res) => {
    const ticket = await load(req);
    const as = req.query.as === 'link' || req.query.as === 'text' ? req.query.as : null;
    if (!as) throw new ValidationError('Insert a link or a text.');
    res.json({ text: await kbInsert(ticket, { id: idParam(req.params.articleId), as }) });
  });

  /** Reply to the customer or add a note: the same form checks, different audiences. */
  async function postMessage(req: Request, res: Response, kind: 'reply' | 'note') {
    const ticket = await loadWorkable(req);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const form = await checkMessageForm(
      body,
      uploadedFiles(req),
      await services.settings.all(),
      kind === 'reply' ? 'message' : 'note',
    );
    const text = typeof body.message === 'string' ? body.message : '';
    const key = sentSubmissionKey(body.submission_key);
    const keys = { [kind]: key };
    if (!form.ok) {
      if (kind === 'reply') return render(req, res, { ticket, errors: form.errors, reply: text, keys }, 400);
      // The note's files have their own field on the page (the reply box has the other one).
      const { attachments, ...errors } = form.errors;
      return render(
        req,
        res,
        { ticket, errors: attachments ? { ...errors, 'note-attachments': attachments } : errors, note: text, keys },
        400,
      );
    }
    if (kind === 'reply') {
      const statusKey = typeof body.status === 'string' && body.status ? body.status : undefined;
      // Held (409) when a newer message arrived while the person was writing: they read it first.
      const outcome = await sendReplyUnlessNewer(services, ticket, actorOf(req), {
        body: form.message,
        files: form.files,
        statusKey,
        submissionKey: key,
        ...replyOptions(body),
      });
      if (!outcome.sent)
        return render(req, res, { ticket, reply: text, extras: collisionState(body, statusKey), keys }, 409);
    } else {
      await addInternalNote(services, ticket, actorOf(req), form.message, form.files, key);
    }
    res.redirect(303, `/admin/tickets/${ticket.id}?done=${kind === 'reply' ? 'replied' : 'noted'}#latest`);
  }
  router.post('/tickets/:id/reply', (req, res) => postMessage(req, res, 'reply'));
  router.post('/tickets/:id/note', (req, res) => postMessage(req, res, 'note'));

  /** The id chosen in a select; anything else typed into the form is refused beside the field. */
  const chosenId = (value: string | undefined, field: string): number => {
    const id = idParam(value);
    if (Number.isNaN(id)) throw new ValidationError('Choose from the list.', { [field]: 'form.invalid' });
    return id;
  };

  router.post('/tickets/:id/properties', async (req, res) => {
    const ticket = await loadWorkable(req);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const text = (k: string) => (typeof body[k] === 'string' ? (body[k] as string) : undefined);
    const actor = actorOf(req);
    try {
      if (text('status')) await setStatus(services, await load(req), actor, text('status')!);
      if (text('priority')) await setPriority(services, await load(req), actor, text('priority')!);
      if (text('owner') !== undefined)
        await assign(services, await load(req), actor, text('owner') === '' ? null : chosenId(text('owner'), 'owner'));
      if (text('category'))
        await moveToCategory(services, await load(req), actor, chosenId(text('category'), 'category'));
    } catch (err) {
      if (err instanceof ValidationError) return render(req, res, { errors: err.details ?? {} }, 400);
      throw err;
    }
    // Moved out of reach (a category this person cannot see): back to the list.
    const stillVisible = await ticketForStaff(services.db, actor, ticket.id).then(
      () => true,
      () => false,
    );
    res.redirect(303, stillVisible ? `/admin/tickets/${ticket.id}?done=saved` : '/admin/tickets');
  });

  router.post('/tickets/:id/merge', async (req, res) => {
    const source = await load(req);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const trackingId = parseTrackingId(body.target);
    const found = trackingId ? await findTicketByTrackingId(services.db, trackingId) : undefined;
    // A ticket this person may not see is "not found" here too.
    const target = found ? await ticketForStaff(services.db, actorOf(req), found.id).catch(() => undefined) : undefined;
    try {
      if (!target) throw new ValidationError('No such ticket.', { merge: 'staffTicket.mergeNotFound' });
      if (body.confirm !== 'yes')
        throw new ValidationError('Confirm the merge.', { merge: 'staffTicket.mergeConfirm' });
      await mergeTickets(services, source, target, actorOf(req));
    } catch (err) {
      if (err instanceof ValidationError) return render(req, res, { ticket: source, errors: err.details ?? {} }, 400);
      throw err;
    }
    res.redirect(303, `/admin/tickets/${target.id}?done=merged`);
  });

  router.post('/tickets/:id/escalate', async (req, res) => {
    const ticket = await loadWorkable(req);
    const reason = typeof req.body?.reason === 'string' ? req.body.reason : '';
    try {
      await escalate(services, ticket, actorOf(req), reason);
    } catch (err) {
      if (err instanceof ValidationError) return render(req, res, { ticket, errors: err.details ?? {} }, 400);
      throw err;
    }
    // The next tier may be out of this person's reach: then back to the list.
    const stillVisible = await ticketForStaff(services.db, actorOf(req), ticket.id).then(
      () => true,
      () => false,
    );
    res.redirect(303, stillVisible ? `/admin/tickets/${ticket.id}?done=escalated` : '/admin/tickets?done=escalated');
  });

  router.post('/tickets/:id/delete', async (req, res) => {
    const ticket = await load(req);
    if (req.body?.confirm !== 'yes')
      return render(req, res, { ticket, errors: { delete: 'staffTicket.deleteConfirm' } }, 400);
    await deleteTicket(services, ticket, actorOf(req));
    services.logger.info({ ticket: ticket.trackingId, by: req.user!.email }, 'ticket deleted');
    res.redirect(303, '/admin/tickets');
  });

  router.post('/tickets/:id/take', async (req, res) => {
    const ticket = await loadWorkable(req);
    await assign(services, ticket, actorOf(req), req.user!.id);
    res.redirect(303, `/admin/tickets/${ticket.id}?done=taken`);
  });

  router.get('/tickets/:id/attachments/:attachmentId', async (req, res) => {
    const ticket = await load(req);
    const id = idParam(req.params.attachmentId);
    const attachment = Number.isSafeInteger(id) ? await findTicketAttachment(services.db, ticket.id, id) : undefined;
    if (!attachment) throw new NotFoundError();
    sendAttachment(res, attachment, services.store);
  });
  router.use(ticketExtrasRoutes(services, { load, loadWorkable, render }));
  return router;
}
