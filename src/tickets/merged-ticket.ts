import { ConflictError } from '../errors';
import type { TicketView } from './tickets.repo';

/**
 * A ticket that may still be changed. A merged ticket lives on in the one it was merged into: a
 * change to it would land where nobody looks any more, so every service that changes a ticket
 * refuses it (409).
 */
export function refuseMerged(ticket: TicketView): TicketView {
  if (ticket.mergedIntoId !== null) throw new ConflictError('merged', 'This ticket was merged into another one.');
  return ticket;
}
