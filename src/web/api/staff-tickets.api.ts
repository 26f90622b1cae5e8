import { Router, type ErrorRequestHandler, type Request, type RequestHandler, type Response } from 'express';
import { findTicketAttachment, listTicketAttachments } from '../../attachments/attachments.repo';
import { attachmentErrors, checkUploads } from '../../attachments/upload-check';
import { multipartForms, uploadedFiles } from '../middleware/multipart';
import { sendAttachment } from '../helpdesk/send-attachment';
import { attachmentParams } from './customer-api.schema';
import { idempotent } from './idempotency';
import { findDueAt } from '../../tickets/ticket-extras.repo';
import { listFieldValues } from '../../custom-fields/custom-fields.repo';
import { ForbiddenError, NotFoundError, ValidationError } from '../../errors';
import { can, type Capability } from '../../staff/capabilities';
import { visibleCategoryIds } from '../../staff/category-access.repo';
import { findStaffById, type Staff } from '../../staff/staff.repo';
import { readListQuery } from '../../tickets/list-query';
import { listAllMessages } from '../../tickets/messages.repo';
import {
  addInternalNote,
  assign,
  escalate,
  mergeTickets,
  setStatus,
  ticketForStaff,
} from '../../tickets/staff-actions.service';
import { refuseMerged } from '../../tickets/merged-ticket';
import { patchTicket } from '../../tickets/ticket-patch.service';
import { findStatusByKey, listPriorities, listStatuses } from '../../tickets/statuses.repo';
import { listAndCountTickets } from '../../tickets/ticket-list.repo';
import { findTicketById, findTicketByTrackingId, type TicketView } from '../../tickets/tickets.repo';
import { addStaffReply } from '../../tickets/tickets.service';
import { parseTrackingId } from '../../tickets/tracking-id';
import type { Services } from '../app-services';
import { ApiInputError, parseInput } from './api-input';
import { requireTokenWith } from './bearer-auth';
import * as s from './staff-api.schema';
import { messageJson, ticketJson, ticketSummaryJson } from './staff-ticket.presenter';

const countCap = 1000;
// The token's staff member with their role's capabilities: the services check those too.
const actorOf = (req: Request): Staff => req.user!;

function demand(req: Request, capability: Capability): void {
  if (!can(req.user!, capability)) throw new ForbiddenError(`Your role does not allow this (${capability}).`);
}

/**
 * A ticket the token's staff member may work, by numeric id or tracking ID. Unknown or out of
 * reach: the same 404.
 */
async function ticketByRef(services: Services, staff: Staff, ref: string): Promise<TicketView> {
  if (/^\d{1,9}$/.test(ref)) return ticketForStaff(services.db, staff, Number(ref));
  const trackingId = parseTrackingId(ref);
  const found = trackingId ? await findTicketByTrackingId(services.db, trackingId) : undefined;
  if (!found) throw new NotFoundError();
  return ticketForStaff(services.db, staff, found.id);
}

/** The staff side of the REST API: the same services, permissions and rules as /admin. */
export function staffTicketsApi(services: Services): Router {
  const router = Router();
  const need = requireTokenWith;
  const view = need('tickets.view');
  const load = (req: Request) =>
    ticketByRef(services, actorOf(req), parseInput(s.ticketParams, { ticket: req.params.ticket }).ticket);
  // A merged ticket is read (its mergedIntoId says where it lives on) but no longer changed: 409.
  const loadWorkable = async (req: Request) => refuseMerged(await load(req));

  async function sendTicket(res: Response, id: number) {
    const ticket = (await findTicketById(services.db, id))!;
    const [owner, dueAt, fields] = await Promise.all([
      ticket.ownerId === null ? undefined : findStaffById(services.db, ticket.ownerId),
      findDueAt(services.db, ticket.id),
      listFieldValues(services.db, ticket.id),
    ]);
    res.json({ ticket: ticketJson(ticket, owner ? { id: Number(owner.id), name: owner.name } : null, dueAt, fields) });
  }

  // Without a token these paths are the customer's lookups (tracking ID + e-mail), further on.
  const toCustomerLookup: RequestHandler = (req, _res, next) => next(req.user ? undefined : 'router');
  router.get('/tickets/:ticket', toCustomerLookup);
  router.get('/tickets/:ticket/attachments/:attachment', toCustomerLookup);

  router.get('/me', view, (req, res) => {
    const me = req.user!;
    res.json({
      id: me.id,
      name: me.name,
      email: me.email,
      isAdmin: me.isAdmin,
      capabilities: [...me.capabilities],
      token: res.locals.apiToken,
    });
  });

  router.get('/tickets', view, async (req, res) => {
    const query = parseInput(s.listQuery, req.query);
    const [statuses, priorities, visible] = await Promise.all([
      listStatuses(services.db),
      listPriorities(services.db),
      visibleCategoryIds(services.db, req.user!),
    ]);
    // The page drops unknown keys; a program gets told.
    const unknownStatus = [query.status ?? []].flat().find((k) => !statuses.some((st) => st.key === k));
    if (unknownStatus) throw new ApiInputError('Some fields are not valid.', { status: 'apiErrors.unknownKey' });
    if (query.priority && !priorities.some((p) => p.key === query.priority))
      throw new ApiInputError('Some fields are not valid.', { priority: 'apiErrors.unknownKey' });
    const list = await readListQuery(services.db, query, {
      me: req.user!,
      visible,
      statuses,
      priorities,
      fieldIds: [],
      timeZone: await services.settings.get('helpdesk.timezone'),
      now: services.clock.now(),
    });
    if (Object.keys(list.errors).length) throw new ApiInputError('Some fields are not valid.', list.errors);
    const { rows, total } = await listAndCountTickets(
      services.db,
      list.filter,
      { sort: list.sort, dir: list.dir, offset: (list.page - 1) * list.size, limit: list.size },
      countCap,
    );
    res.json({
      items: rows.map(ticketSummaryJson),
      page: list.page,
      size: list.size,
      total: Math.min(total, countCap),
      totalCapped: total > countCap,
      hasMore: total > list.page * list.size,
    });
  });

  router.get('/tickets/:ticket', view, async (req, res) => sendTicket(res, (await load(req)).id));

  router.patch('/tickets/:ticket', view, async (req, res) => {
    const ticket = await loadWorkable(req);
    const body = parseInput(s.patchBody, req.body);
    // Owner and category rules (assign_others, change_category) are checked by their services.
    if (body.status !== undefined || body.priority !== undefined || body.due !== undefined)
      demand(req, 'tickets.reply');
    await patchTicket(services, ticket, actorOf(req), body, await services.settings.get('helpdesk.timezone'));
    await sendTicket(res, ticket.id);
  });

  router.get('/tickets/:ticket/messages', view, async (req, res) => {
    const ticket = await load(req);
    const [messages, attachments] = await Promise.all([
      listAllMessages(services.db, ticket.id),
      listTicketAttachments(services.db, ticket.id),
    ]);
    res.json({ items: messages.map((m) => messageJson(m, attachments)) });
  });

  async function sendMessage(res: Response, ticketId: number, messageId: number) {
    const [messages, attachments] = await Promise.all([
      listAllMessages(services.db, ticketId),
      listTicketAttachments(services.db, ticketId),
    ]);
    res
      .status(201)
      .location(`/api/v1/tickets/${ticketId}/messages`)
      .json({ message: messageJson(messages.find((m) => m.id === messageId)!, attachments) });
  }
  /** The files of a multipart message, checked against the attachment settings (none with JSON). */
  async function filesOf(req: Request) {
    const checked = await checkUploads(uploadedFiles(req), await services.settings.all());
    if (checked.problems.length)
      throw new ApiInputError('Some fields are not valid.', { attachments: attachmentErrors(checked.problems) });
    return checked.accepted;
  }
  // A message is JSON, or multipart/form-data with its files in "attachments"; either may carry an Idempotency-Key.
  const creating = (capability: Capability) => [need(capability), multipartForms(services), idempotent(services)];
  router.post('/tickets/:ticket/replies', ...creating('tickets.reply'), async (req, res) => {
    const ticket = await loadWorkable(req);
    const body = parseInput(s.replyBody, req.body);
    // The service falls back to "replied" for an unknown status; a program gets told instead.
    if (body.status !== undefined && !(await findStatusByKey(services.db, body.status)))
      throw new ApiInputError('Some fields are not valid.', { status: 'apiErrors.unknownKey' });
    const files = await filesOf(req);
    await sendMessage(
      res,
      ticket.id,
      await addStaffReply(services, ticket, { staff: actorOf(req), body: body.body, files, statusKey: body.status }),
    );
  });
  router.post('/tickets/:ticket/notes', ...creating('tickets.reply'), async (req, res) => {
    const ticket = await loadWorkable(req);
    const body = parseInput(s.noteBody, req.body);
    const files = await filesOf(req);
    await sendMessage(res, ticket.id, await addInternalNote(services, ticket, actorOf(req), body.body, files));
  });

  router.get('/tickets/:ticket/attachments/:attachment', view, async (req, res) => {
    const ticket = await load(req);
    const found = await findTicketAttachment(
      services.db,
      ticket.id,
      Number(parseInput(attachmentParams, { attachment: req.params.attachment }).attachment),
    );
    if (!found) throw new NotFoundError(); // the same answer as a ticket out of reach
    sendAttachment(res, found, services.store);
  });

  /** One change to a ticket, answered with the ticket as it is afterwards. */
  function change(action: string, guard: RequestHandler, run: (req: Request, ticket: TicketView) => Promise<void>) {
    router.post(`/tickets/:ticket/${action}`, guard, async (req, res) => {
      const ticket = await loadWorkable(req);
      await run(req, ticket);
      await sendTicket(res, ticket.id);
    });
  }
  change('assign', view, (req, ticket) => {
    const { ownerId } = parseInput(s.assignBody, req.body);
    return assign(services, ticket, actorOf(req), ownerId === 'me' ? req.user!.id : ownerId);
  });
  change('status', need('tickets.reply'), (req, ticket) =>
    setStatus(services, ticket, actorOf(req), parseInput(s.statusBody, req.body).status),
  );
  change('escalate', need('tickets.reply'), (req, ticket) =>
    escalate(services, ticket, actorOf(req), parseInput(s.escalateBody, req.body).reason),
  );

  router.post('/tickets/:ticket/merge', need('tickets.merge'), async (req, res) => {
    const source = await load(req);
    const { into } = parseInput(s.mergeBody, req.body);
    // A ticket this person may not see is "not found" here too, reported on the field.
    const target = await ticketByRef(services, actorOf(req), String(into)).catch((err: unknown) => {
      if (err instanceof NotFoundError)
        throw new ApiInputError('Some fields are not valid.', { into: 'staffTicket.mergeNotFound' });
      throw err;
    });
    await mergeTickets(services, source, target, actorOf(req));
    await sendTicket(res, target.id);
  });

  // The services name fields as the pages do; a program sees the names it sent.
  router.use(((err, _req, _res, next) =>
    next(
      err instanceof ValidationError && !(err instanceof ApiInputError) && err.details
        ? new ApiInputError(err.message, renameFields(err.details))
        : err,
    )) as ErrorRequestHandler);
  return router;
}

const apiFieldNames: Record<string, string> = {
  owner: 'ownerId',
  category: 'categoryId',
  merge: 'into',
  message: 'body',
};
const renameFields = (details: Record<string, string>) =>
  Object.fromEntries(Object.entries(details).map(([k, v]) => [apiFieldNames[k] ?? k, v]));
