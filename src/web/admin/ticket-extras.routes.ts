import { Router, type Request, type Response } from 'express';
import { listTicketAttachments } from '../../attachments/attachments.repo';
import { listFieldValues } from '../../custom-fields/custom-fields.repo';
import { ValidationError } from '../../errors';
import { findStaffById } from '../../staff/staff.repo';
import { requireCapability } from '../auth/guards';
import { listAllMessages } from '../../tickets/messages.repo';
import { heartbeat, saveDraft, whoElseIsHere } from '../../tickets/reply-desk.service';
import type { TicketDeps } from '../../tickets/tickets.service';
import {
  fieldText,
  linkTickets,
  logTime,
  setDueDate,
  unlinkTickets,
  updateFields,
} from '../../tickets/ticket-extras.service';
import { findDueAt, listTimeEntries } from '../../tickets/ticket-extras.repo';
import type { TicketView } from '../../tickets/tickets.repo';
import { formatTrackingId } from '../../tickets/tracking-id';
import { effectiveZone } from '../../tickets/zoned-time';
import type { Services } from '../app-services';
import { formatInstant, formatMinutes, type ExtrasState } from './ticket-extras.view';
import { idParam } from '../params';

type Page = {
  /** The ticket to read (presence, print); a merged one too. */
  load(req: Request): Promise<TicketView>;
  /** The ticket to change: a merged one is refused (409). */
  loadWorkable(req: Request): Promise<TicketView>;
  render(
    req: Request,
    res: Response,
    extra: { ticket?: TicketView; errors?: Record<string, string>; extras?: ExtrasState },
    status?: number,
  ): Promise<void>;
};

const actorOf = (req: Request) => ({ id: req.user!.id, name: req.user!.name, isAdmin: req.user!.isAdmin });
const bodyOf = (req: Request) => (req.body ?? {}) as Record<string, unknown>;
const wantsJson = (req: Request) => (req.get('accept') ?? '').includes('application/json');

/** The reply form's guard fields: the newest message the person saw, and the signature box. */
export function replyOptions(body: Record<string, unknown>): { seenMessageId: number | null; addSignature: boolean } {
  const seen = typeof body.seen === 'string' && /^\d{1,15}$/.test(body.seen) ? Number(body.seen) : null;
  return { seenMessageId: seen, addSignature: body.add_signature === 'yes' };
}

/** How the ticket page comes back when the reply was held because newer messages arrived. */
export function collisionState(body: Record<string, unknown>, statusKey: string | undefined): ExtrasState {
  const { seenMessageId, addSignature } = replyOptions(body);
  return { collisionAfter: seenMessageId ?? 0, addSignature, replyStatus: statusKey };
}

/**
 * The ticket page's further tools: custom fields, due date, time spent, related tickets, the
 * print view, reply drafts and who else has the ticket open. Each form posts here and comes back
 * to the ticket page: on success with a notice, on a refusal with the errors beside the field.
 */
export function ticketExtrasRoutes(services: Services, page: Page): Router {
  const router = Router();
  const deps: TicketDeps = services;
  // Changing a ticket is working it: a view-only role may read, print and be seen, not edit.
  const mayWork = requireCapability('tickets.reply');

  /** Runs a change; a refused form re-shows the page (400) with what was typed. */
  function form(
    path: string,
    change: (req: Request, ticket: TicketView) => Promise<unknown>,
    done: string,
    anchor: string,
  ) {
    router.post(`/tickets/:id/${path}`, mayWork, async (req, res) => {
      const ticket = await page.loadWorkable(req);
      try {
        await change(req, ticket);
      } catch (err) {
        if (err instanceof ValidationError)
          return page.render(req, res, { ticket, errors: err.details ?? {}, extras: { values: bodyOf(req) } }, 400);
        throw err;
      }
      res.redirect(303, `/admin/tickets/${ticket.id}?extra=${done}#${anchor}`);
    });
  }

  form('fields', (req, ticket) => updateFields(deps, ticket, actorOf(req), bodyOf(req)), 'fields', 'fields-box');
  // "Clear due date" is a second button of the same form: it wins over the date typed beside it.
  const dueInput = (body: Record<string, unknown>) => (body.clear === 'yes' ? { due: '' } : { due: body.due });
  form(
    'due',
    async (req, ticket) =>
      setDueDate(deps, ticket, actorOf(req), dueInput(bodyOf(req)), await services.settings.get('helpdesk.timezone')),
    'due',
    'due-box',
  );
  form(
    'time',
    (req, ticket) =>
      logTime(deps, ticket, actorOf(req), {
        minutes: bodyOf(req).minutes,
        note: bodyOf(req).note,
        submission_key: bodyOf(req).submission_key,
      }),
    'time',
    'time-box',
  );
  form('links', (req, ticket) => linkTickets(deps, ticket, actorOf(req), bodyOf(req)), 'linked', 'links-box');

  router.post('/tickets/:id/links/:otherId/delete', mayWork, async (req, res) => {
    const ticket = await page.loadWorkable(req);
    await unlinkTickets(deps, ticket, actorOf(req), idParam(req.params.otherId));
    res.redirect(303, `/admin/tickets/${ticket.id}?extra=unlinked#links-box`);
  });

  /** The reply box's draft: autosaved by script (JSON answer) or the "save draft" button. */
  router.post('/tickets/:id/draft', mayWork, async (req, res) => {
    const ticket = await page.loadWorkable(req);
    try {
      const outcome = await saveDraft(
        services.db,
        actorOf(req),
        ticket,
        { message: bodyOf(req).message },
        services.clock.now(),
      );
      if (wantsJson(req)) return res.json({ draft: outcome });
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      if (wantsJson(req)) return res.status(400).json({ error: { code: err.code, message: err.message } });
      const errors = { message: err.details?.message ?? 'form.invalid' };
      return page.render(req, res, { ticket, errors, extras: { values: {} } }, 400);
    }
    res.redirect(303, `/admin/tickets/${ticket.id}?extra=draft#reply`);
  });

  /** Who else has the ticket open: read (GET) and heartbeat (POST), both answered in JSON. */
  const presenceJson = (req: Request, others: Array<{ name: string; state: string }>) => ({
    others,
    text: others
      .map((o) =>
        req.t(o.state === 'replying' ? 'ticketExtras.presence.replying' : 'ticketExtras.presence.viewing', {
          name: o.name,
        }),
      )
      .join(' '),
  });
  router.get('/tickets/:id/presence', async (req, res) => {
    const ticket = await page.load(req);
    res
      .set('Cache-Control', 'no-store')
      .json(presenceJson(req, await whoElseIsHere(services.db, actorOf(req), ticket, services.clock.now())));
  });
  router.post('/tickets/:id/presence', async (req, res) => {
    const ticket = await page.load(req);
    try {
      const others = await heartbeat(
        services.db,
        actorOf(req),
        ticket,
        { state: bodyOf(req).state },
        services.clock.now(),
      );
      res.set('Cache-Control', 'no-store').json(presenceJson(req, others));
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      res.status(400).json({ error: { code: err.code, message: err.message } });
    }
  });

  /** A clean page to print or save as PDF: facts and thread, internal notes unless left out. */
  router.get('/tickets/:id/print', async (req, res) => {
    const ticket = await page.load(req);
    const withNotes = req.query.notes !== 'no';
    const [messages, attachments, fields, dueAt, entries, tz, owner] = await Promise.all([
      listAllMessages(services.db, ticket.id),
      listTicketAttachments(services.db, ticket.id),
      listFieldValues(services.db, ticket.id),
      findDueAt(services.db, ticket.id),
      listTimeEntries(services.db, ticket.id),
      services.settings.get('helpdesk.timezone'),
      ticket.ownerId === null ? undefined : findStaffById(services.db, ticket.ownerId),
    ]);
    const zone = effectiveZone(tz);
    res.render('admin/ticket-print', {
      title: `${formatTrackingId(ticket.trackingId)} · ${ticket.subject}`,
      ticket,
      trackingLabel: formatTrackingId(ticket.trackingId),
      ownerName: owner?.name ?? null,
      withNotes,
      messages: messages
        .filter((m) => withNotes || m.kind !== 'note')
        .map((m) => ({
          ...m,
          when: formatInstant(req, m.createdAt, zone),
          files: attachments.filter((a) => a.messageId === m.id).map((a) => a.fileName),
        })),
      fields: fields.map((f) => ({ id: f.fieldId, label: f.label, text: fieldText(f, f.value) })),
      created: formatInstant(req, ticket.createdAt, zone),
      due: dueAt === null ? null : formatInstant(req, dueAt, zone),
      timeTotal: entries.length
        ? formatMinutes(
            req.t,
            entries.reduce((s, e) => s + e.minutes, 0),
          )
        : null,
      printedAt: formatInstant(req, services.clock.now(), zone),
      zone,
    });
  });
  return router;
}
