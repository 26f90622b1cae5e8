import type { TicketSubscriber } from '../tickets/ticket-events';
import { recordTagsInCategory } from './tags.repo';

/**
 * Keeps tag_categories current, as a subscriber to the ticket's events: a tag put on a ticket,
 * and a ticket that moves to another category (a move, an escalation) or takes in a merged
 * ticket's tags, make its tags known in its category, in the event's transaction.
 */
export const tagCategoriesKept: TicketSubscriber = async (trx, event) => {
  if (
    event.type === 'ticket.tag_added' ||
    event.type === 'ticket.category_changed' ||
    event.type === 'ticket.escalated' ||
    event.type === 'ticket.merged'
  ) {
    await recordTagsInCategory(trx, event.ticket.id, event.ticket.categoryId);
  }
};
