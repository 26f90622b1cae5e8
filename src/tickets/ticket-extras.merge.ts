import type { TicketSubscriber } from './ticket-events';
import { moveTimeAndLinks } from './ticket-extras.repo';
import { findTicketByTrackingId } from './tickets.repo';

/**
 * Merging moves the thread, files, fields and history (the merge itself); this subscriber moves
 * what the ticket page adds — time entries, related-ticket links, drafts go — in the same
 * transaction, so the surviving ticket's total time and links include the merged one's.
 */
export const ticketExtrasOnMerge: TicketSubscriber = async (trx, event) => {
  if (event.type !== 'ticket.merged') return;
  const source = await findTicketByTrackingId(trx, event.from);
  if (source && source.id !== event.ticket.id) await moveTimeAndLinks(trx, source.id, event.ticket.id);
};
