import { ForbiddenError, ValidationError } from '../errors';
import { can, type CapabilityHolder } from '../staff/capabilities';
import { deleteTicket, mergeTickets, moveToCategory, ticketForStaff, type StaffActor } from './staff-actions.service';
import type { TicketDeps } from './tickets.service';
import type { TicketView } from './tickets.repo';

export type BulkStaff = StaffActor & CapabilityHolder;

/** The ticked tickets this person may work (others are skipped, as if not ticked). */
export async function workableTickets(deps: TicketDeps, staff: StaffActor, ids: number[]): Promise<TicketView[]> {
  const out: TicketView[] = [];
  for (const id of ids) {
    const ticket = await ticketForStaff(deps.db, staff, id).catch(() => null);
    // A merged ticket lives on in another one and takes no more changes.
    if (ticket && ticket.mergedIntoId === null) out.push(ticket);
  }
  return out;
}

/** The ticket a bulk merge keeps unless another is chosen: the first one opened. */
export const oldestOf = (tickets: TicketView[]): TicketView =>
  [...tickets].sort((a, b) => a.createdAt - b.createdAt || a.id - b.id)[0]!;

/** Moves the ticked tickets to a category: needs 'tickets.change_category' and a category the person may see. */
export async function bulkMoveToCategory(
  deps: TicketDeps,
  staff: BulkStaff,
  ids: number[],
  categoryId: number,
): Promise<number> {
  if (!can(staff, 'tickets.change_category')) throw new ForbiddenError();
  const tickets = await workableTickets(deps, staff, ids);
  for (const ticket of tickets) await moveToCategory(deps, ticket, staff, categoryId);
  return tickets.length;
}

/**
 * Merges the ticked tickets into one: the chosen one if it is among them, else the oldest.
 * Each merge is the ticket page's merge (its own transaction, its event); needs 'tickets.merge'.
 */
export async function bulkMerge(
  deps: TicketDeps,
  staff: BulkStaff,
  ids: number[],
  targetId: number | null,
): Promise<TicketView> {
  if (!can(staff, 'tickets.merge')) throw new ForbiddenError();
  const tickets = (await workableTickets(deps, staff, ids)).filter((t) => t.mergedIntoId === null);
  if (tickets.length < 2)
    throw new ValidationError('Tick at least two tickets to merge.', { action: 'ticketList.mergeTwo' });
  const target = tickets.find((t) => t.id === targetId) ?? oldestOf(tickets);
  for (const source of tickets) if (source.id !== target.id) await mergeTickets(deps, source, target, staff);
  return target;
}

/** Deletes the ticked tickets for good (after the confirmation page); needs 'tickets.delete'. */
export async function bulkDelete(deps: TicketDeps, staff: BulkStaff, ids: number[]): Promise<number> {
  if (!can(staff, 'tickets.delete')) throw new ForbiddenError();
  const tickets = await workableTickets(deps, staff, ids);
  for (const ticket of tickets) await deleteTicket(deps, ticket, staff);
  return tickets.length;
}
