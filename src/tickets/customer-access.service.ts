import type { Db } from '../db/db';
import { findTicketById, findTicketByTrackingId, type TicketView } from './tickets.repo';

/**
 * A merged ticket lives on in the one it was merged into (followed a few hops at most), but
 * only into tickets of the same customer: access to one's own old ticket is never access to
 * someone else's.
 */
export async function survivingTicket(db: Db, ticket: TicketView): Promise<TicketView> {
  let current = ticket;
  for (let hops = 0; current.mergedIntoId !== null && hops < 5; hops++) {
    const next = await findTicketById(db, current.mergedIntoId);
    if (!next || next.customerId !== ticket.customerId) break;
    current = next;
  }
  return current;
}

/**
 * The ticket for a tracking ID and the e-mail address it belongs to. Unknown ID, wrong address
 * and someone else's ticket all give null: the caller answers the same "not found".
 */
export async function ticketForCustomer(db: Db, trackingId: string, email: string): Promise<TicketView | null> {
  const ticket = await findTicketByTrackingId(db, trackingId);
  if (!ticket || ticket.customerEmail !== email.trim().toLowerCase()) return null;
  return survivingTicket(db, ticket);
}
