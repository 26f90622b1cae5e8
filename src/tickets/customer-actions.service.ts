import { withTransaction } from '../db/transaction';
import { ConflictError, NotFoundError } from '../errors';
import { findMessageOfTicket, setMessageRating } from './messages.repo';
import { findStatusByKey } from './statuses.repo';
import type { TicketDeps } from './tickets.service';
import { findTicketById, updateTicket, type TicketView } from './tickets.repo';

/** The customer marks the ticket resolved, or reopens it; each recorded as a status change. */
export async function setStatusByCustomer(deps: Pick<TicketDeps, 'db' | 'clock' | 'events'>, ticket: TicketView, action: 'resolve' | 'reopen'): Promise<void> {
  if (action === 'resolve' && !ticket.statusIsOpen) throw new ConflictError('already_resolved', 'This ticket is already resolved.');
  if (action === 'reopen' && ticket.statusIsOpen) throw new ConflictError('already_open', 'This ticket is already open.');
  await withTransaction(deps.db, async (trx) => {
    const now = deps.clock.now();
    // Two tabs pressing the same button: the second finds the change made and does nothing.
    const current = (await findTicketById(trx, ticket.id))!;
    if (current.statusIsOpen !== ticket.statusIsOpen) return;
    const target = (await findStatusByKey(trx, action === 'resolve' ? 'resolved' : 'open'))!;
    await updateTicket(trx, ticket.id, { status_id: target.id, updated_at: now, resolved_at: action === 'resolve' ? now : null, resolved_by_staff_id: null });
    const view = (await findTicketById(trx, ticket.id))!;
    await deps.events.publish(trx, { type: 'ticket.status_changed', ticket: view, from: ticket.statusKey, to: target.key, actor: { type: 'customer', id: ticket.customerId } }, now);
  });
}

/** The customer rates a staff reply helpful (1) or not (-1); they may change their mind. */
export async function rateStaffReply(deps: Pick<TicketDeps, 'db' | 'clock' | 'events'>, ticket: TicketView, messageId: number, rating: 1 | -1): Promise<void> {
  const message = await findMessageOfTicket(deps.db, ticket.id, messageId);
  if (!message || message.kind !== 'staff') throw new NotFoundError();
  if (message.rating === rating) return;
  await withTransaction(deps.db, async (trx) => {
    const now = deps.clock.now();
    await setMessageRating(trx, messageId, rating);
    await deps.events.publish(trx, { type: 'message.rated', ticket, messageId, rating, actor: { type: 'customer', id: ticket.customerId } }, now);
  });
}
