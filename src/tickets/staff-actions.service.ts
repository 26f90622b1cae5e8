import type { CheckedFile } from '../attachments/file-check';
import { insertAttachments, listTicketAttachments } from '../attachments/attachments.repo';
import { releaseFiles, withAdoptedFiles } from '../attachments/stored-files';
import { findActiveCategory } from '../categories/categories.repo';
import type { Db } from '../db/db';
import { withTransaction } from '../db/transaction';
import { ForbiddenError, NotFoundError, ValidationError } from '../errors';
import { refuseMerged } from './merged-ticket';
import { can, type Capability, type CapabilityHolder } from '../staff/capabilities';
import { visibleCategoryIds } from '../staff/category-access.repo';
import { findStaffById } from '../staff/staff.repo';
import { seesTickets } from '../staff/ticket-viewers';
import {
  bumpMessageCount,
  deleteTicketRows,
  findTicketById,
  lockTicketForMessage,
  updateTicket,
  type TicketView,
} from './tickets.repo';
import { insertMessage } from './messages.repo';
import { storeMessageOnce } from './message-once';
import { newestConversationMessageId } from './reply-desk.repo';
import { countMessages, lockUnmergedPair, moveTicketContents } from './merge.repo';
import { findPriorityByKey, findStatusByKey } from './statuses.repo';
import type { TicketEvent } from './ticket-events';
import type { TicketDeps } from './tickets.service';

export type StaffActor = { id: number; name: string; isAdmin: boolean };
/** Who acts where a capability is needed: their role decides, for pages and API alike. */
export type CapableStaff = StaffActor & CapabilityHolder;

export function requireCapability(staff: CapabilityHolder, capability: Capability): void {
  if (!can(staff, capability)) throw new ForbiddenError();
}

/**
 * A ticket the staff member may work; any other id (or none) is "not found", never "forbidden".
 * `known`: the categories this staff member sees, when the caller has read them for this request.
 */
export async function ticketForStaff(
  db: Db,
  staff: StaffActor,
  ticketId: number,
  known?: number[] | 'all',
): Promise<TicketView> {
  const ticket = Number.isSafeInteger(ticketId) && ticketId > 0 ? await findTicketById(db, ticketId) : undefined;
  const visible = known ?? (await visibleCategoryIds(db, staff));
  if (!ticket || (visible !== 'all' && !visible.includes(ticket.categoryId))) throw new NotFoundError();
  return ticket;
}

/** A ticket the staff member may see and change (not merged). */
export async function workableTicketForStaff(db: Db, staff: StaffActor, ticketId: number): Promise<TicketView> {
  return refuseMerged(await ticketForStaff(db, staff, ticketId));
}

/** Where a merged ticket lives on (followed a few hops), if this staff member may see it there. */
export async function survivingTicketForStaff(db: Db, staff: StaffActor, ticket: TicketView): Promise<TicketView> {
  let current = ticket;
  for (let hops = 0; current.mergedIntoId !== null && hops < 5; hops++) {
    const next = await findTicketById(db, current.mergedIntoId);
    if (!next) break;
    current = next;
  }
  return ticketForStaff(db, staff, current.id);
}

/** Applies a change and publishes its events, all in one transaction. */
async function change(
  deps: TicketDeps,
  ticket: TicketView,
  patch: Record<string, unknown>,
  event: (view: TicketView) => TicketEvent | TicketEvent[],
): Promise<void> {
  refuseMerged(ticket);
  await withTransaction(deps.db, async (trx) => {
    const now = deps.clock.now();
    await updateTicket(trx, ticket.id, { ...patch, updated_at: now });
    for (const e of [event((await findTicketById(trx, ticket.id))!)].flat()) await deps.events.publish(trx, e, now);
  });
}

/** Whether this person may own tickets of the category: active, a role that sees tickets, access to it. */
export async function mayOwnIn(deps: TicketDeps, staffId: number, categoryId: number): Promise<boolean> {
  const owner = await findStaffById(deps.db, staffId);
  if (!owner?.is_active || !seesTickets(owner)) return false;
  const cats = await visibleCategoryIds(deps.db, { id: Number(owner.id), isAdmin: Boolean(owner.is_admin) });
  return cats === 'all' || cats.includes(categoryId);
}

/** An internal note: kept on the ticket for staff, never shown or mailed to the customer. */
export async function addInternalNote(
  deps: TicketDeps,
  ticket: TicketView,
  staff: CapableStaff,
  body: string,
  files: CheckedFile[] = [],
  submissionKey: string | null = null,
): Promise<number> {
  requireCapability(staff, 'tickets.reply');
  refuseMerged(ticket);
  const send = { ticketId: ticket.id, kind: 'note' as const, staffId: staff.id, customerId: null, submissionKey };
  const { messageId } = await storeMessageOnce(deps.db, send, (key) =>
    withAdoptedFiles(deps, files, (stored) =>
      withTransaction(deps.db, async (trx) => {
        const now = deps.clock.now();
        await lockTicketForMessage(trx, ticket.id, now);
        const messageId = await insertMessage(trx, {
          ticket_id: ticket.id,
          kind: 'note',
          staff_id: staff.id,
          author_name: staff.name,
          body,
          submission_key: key,
          created_at: now,
        });
        await insertAttachments(trx, ticket.id, messageId, stored, now);
        await bumpMessageCount(trx, ticket.id, { updated_at: now });
        await deps.events.publish(
          trx,
          {
            type: 'ticket.note_added',
            ticket: (await findTicketById(trx, ticket.id))!,
            messageId,
            actor: { type: 'staff', id: staff.id },
          },
          now,
        );
        return messageId;
      }),
    ),
  );
  return messageId;
}

export async function setStatus(
  deps: TicketDeps,
  ticket: TicketView,
  staff: CapableStaff,
  statusKey: string,
): Promise<void> {
  requireCapability(staff, 'tickets.reply');
  const status = await findStatusByKey(deps.db, statusKey);
  if (!status) throw new ValidationError('Unknown status.', { status: 'form.invalid' });
  if (status.key === ticket.statusKey) return;
  const closing = !status.is_open;
  await change(
    deps,
    ticket,
    {
      status_id: status.id,
      resolved_at: closing ? deps.clock.now() : null,
      resolved_by: closing ? 'staff' : null,
      resolved_by_staff_id: closing ? staff.id : null,
    },
    (view) => ({
      type: 'ticket.status_changed',
      ticket: view,
      from: ticket.statusKey,
      to: status.key,
      actor: { type: 'staff', id: staff.id },
    }),
  );
}

export async function setPriority(
  deps: TicketDeps,
  ticket: TicketView,
  staff: CapableStaff,
  priorityKey: string,
): Promise<void> {
  requireCapability(staff, 'tickets.reply');
  const priority = await findPriorityByKey(deps.db, priorityKey);
  if (!priority) throw new ValidationError('Unknown priority.', { priority: 'form.invalid' });
  if (priority.key === ticket.priorityKey) return;
  await change(deps, ticket, { priority_id: priority.id }, (view) => ({
    type: 'ticket.priority_changed',
    ticket: view,
    from: ticket.priorityKey,
    to: priority.key,
    actor: { type: 'staff', id: staff.id },
  }));
}

/**
 * Assigns the ticket to a staff member who may work its category, or to nobody. Taking a ticket
 * (or letting go of one's own) is part of working it; giving it to someone else, or taking it
 * from them, needs tickets.assign_others.
 */
export async function assign(
  deps: TicketDeps,
  ticket: TicketView,
  staff: CapableStaff,
  ownerId: number | null,
): Promise<void> {
  const currentOwnerId = ticket.ownerId;
  if (ownerId === currentOwnerId) return;
  const ownMove =
    (ownerId === staff.id && currentOwnerId === null) || (ownerId === null && currentOwnerId === staff.id);
  requireCapability(staff, ownMove ? 'tickets.reply' : 'tickets.assign_others');
  if (ownerId !== null && !(await mayOwnIn(deps, ownerId, ticket.categoryId)))
    throw new ValidationError('This person cannot work this category.', { owner: 'staffTicket.ownerNoAccess' });
  await change(deps, ticket, { owner_id: ownerId }, (view) => ({
    type: 'ticket.assigned',
    ticket: view,
    from: currentOwnerId,
    to: ownerId,
    actor: { type: 'staff', id: staff.id },
  }));
}

/** Moves the ticket to another category the staff member may see; its tier follows the category. */
export async function moveToCategory(
  deps: TicketDeps,
  ticket: TicketView,
  staff: CapableStaff,
  categoryId: number,
): Promise<void> {
  // The ticket form always sends the category: only a real move needs the capability.
  if (categoryId !== ticket.categoryId) requireCapability(staff, 'tickets.change_category');
  // Keeping the category is no move, even when that category has been archived since.
  if (categoryId === ticket.categoryId) return;
  const visible = await visibleCategoryIds(deps.db, staff);
  const category = await findActiveCategory(deps.db, categoryId);
  if (!category || (visible !== 'all' && !visible.includes(categoryId)))
    throw new ValidationError('Unknown category.', { category: 'form.chooseCategory' });
  // An owner who may not work the new category lets go of it (with its own history row), as on escalation.
  const ownerLeaves = ticket.ownerId !== null && !(await mayOwnIn(deps, ticket.ownerId, categoryId));
  const actor = { type: 'staff' as const, id: staff.id };
  await change(
    deps,
    ticket,
    { category_id: categoryId, tier: Number(category.tier), ...(ownerLeaves ? { owner_id: null } : {}) },
    (view) => [
      { type: 'ticket.category_changed', ticket: view, from: ticket.categoryId, to: categoryId, actor },
      ...(ownerLeaves
        ? [{ type: 'ticket.assigned' as const, ticket: view, from: ticket.ownerId, to: null, actor }]
        : []),
    ],
  );
}

/**
 * Merges a ticket into another: its thread, attachments, history and custom field values end
 * up on the surviving ticket, and the merged one is closed and points there (its tracking ID
 * keeps working for its customer). Refused into itself, from or into an already merged ticket.
 */
export async function mergeTickets(
  deps: TicketDeps,
  source: TicketView,
  target: TicketView,
  staff: CapableStaff,
): Promise<void> {
  requireCapability(staff, 'tickets.merge');
  if (source.id === target.id)
    throw new ValidationError('A ticket cannot be merged into itself.', { merge: 'staffTicket.mergeSelf' });
  if (source.mergedIntoId !== null || target.mergedIntoId !== null)
    throw new ValidationError('Merged tickets cannot be merged again.', { merge: 'staffTicket.mergeMerged' });
  await withTransaction(deps.db, async (trx) => {
    const now = deps.clock.now();
    // Locked inside the transaction: two staff merging at once must not both win.
    if (!(await lockUnmergedPair(trx, source.id, target.id)))
      throw new ValidationError('Merged tickets cannot be merged again.', { merge: 'staffTicket.mergeMerged' });
    const closed = (await findStatusByKey(trx, 'closed'))!;
    await moveTicketContents(trx, source.id, target.id);
    await updateTicket(trx, source.id, {
      merged_into_id: target.id,
      status_id: closed.id,
      message_count: 0,
      updated_at: now,
      resolved_at: now,
      resolved_by: 'staff',
      resolved_by_staff_id: staff.id,
    });
    await updateTicket(trx, target.id, {
      message_count: await countMessages(trx, target.id),
      last_message_id: await newestConversationMessageId(trx, target.id),
      updated_at: now,
    });
    const actor = { type: 'staff' as const, id: staff.id };
    await deps.events.publish(
      trx,
      {
        type: 'ticket.merged',
        ticket: (await findTicketById(trx, target.id))!,
        from: source.trackingId,
        to: target.trackingId,
        actor,
      },
      now,
    );
  });
}

/**
 * Escalates to the next support tier: the ticket moves to its category's escalation target
 * (a tier-2 or tier-3 category), loses its owner so the new tier picks it up, and the reason is
 * kept in the history; the staff of the new category are told through the event.
 */
export async function escalate(
  deps: TicketDeps,
  ticket: TicketView,
  staff: CapableStaff,
  reason: string,
): Promise<void> {
  requireCapability(staff, 'tickets.reply');
  const from = await findActiveCategory(deps.db, ticket.categoryId);
  const to = from?.escalate_to_id ? await findActiveCategory(deps.db, Number(from.escalate_to_id)) : undefined;
  if (!from || !to) throw new ValidationError('No escalation target.', { escalate: 'staffTicket.escalateNone' });
  const text = reason.trim();
  if (!text) throw new ValidationError('Say why.', { escalate: 'form.required' });
  // The owner lets go of an escalated ticket: its history says so, as an assignment to nobody.
  const actor = { type: 'staff' as const, id: staff.id };
  await change(deps, ticket, { category_id: to.id, tier: Number(to.tier), owner_id: null }, (view) => [
    {
      type: 'ticket.escalated',
      ticket: view,
      from: Number(from.id),
      to: Number(to.id),
      fromName: from.name,
      reason: text.slice(0, 2000),
      staffName: staff.name,
      actor,
    },
    ...(ticket.ownerId !== null
      ? [{ type: 'ticket.assigned' as const, ticket: view, from: ticket.ownerId, to: null, actor }]
      : []),
  ]);
}

/**
 * Deletes a ticket for good (tickets.delete): its rows go in one transaction, its files after the
 * commit, so a failed delete never loses a file the database still points to.
 */
export async function deleteTicket(deps: TicketDeps, ticket: TicketView, staff: CapableStaff): Promise<void> {
  requireCapability(staff, 'tickets.delete');
  const keys = await withTransaction(deps.db, async (trx) => {
    const files = await listTicketAttachments(trx, ticket.id);
    await deleteTicketRows(trx, ticket.id);
    return files.map((f) => f.storageKey);
  });
  // A file another ticket attached too (the same content) stays for that one.
  await releaseFiles(deps, keys);
}

export type BulkAction =
  | { kind: 'status'; value: string }
  | { kind: 'priority'; value: string }
  | { kind: 'owner'; value: number | null };

/**
 * Applies one change to many tickets, each in its own transaction with its own event, like the
 * same change made on each ticket's page. Tickets the person may not work, and merged ones, are skipped.
 */
export async function bulkChange(
  deps: TicketDeps,
  staff: CapableStaff,
  ids: number[],
  action: BulkAction,
): Promise<number> {
  let changed = 0;
  for (const id of ids) {
    const ticket = await ticketForStaff(deps.db, staff, id).catch(() => null);
    if (!ticket || ticket.mergedIntoId !== null) continue;
    if (action.kind === 'status') await setStatus(deps, ticket, staff, action.value);
    else if (action.kind === 'priority') await setPriority(deps, ticket, staff, action.value);
    else await assign(deps, ticket, staff, action.value);
    changed++;
  }
  return changed;
}
