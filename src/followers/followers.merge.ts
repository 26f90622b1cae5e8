import type { TicketSubscriber } from '../tickets/ticket-events';
import { findTicketByTrackingId } from '../tickets/tickets.repo';
import { deleteFollowersOfTickets, followersPerTicket, insertFollowers, listFollowers } from './followers.repo';

/**
 * Merging a ticket into another carries its followers along (their mail threads to the
 * surviving ticket, and they keep getting staff replies), in the merge's transaction, up to the
 * cap; the source's rows go with it. The surviving ticket's customer is never its own follower.
 */
export const followersOnMerge: TicketSubscriber = async (trx, event, now) => {
  if (event.type !== 'ticket.merged') return;
  const source = await findTicketByTrackingId(trx, event.from);
  if (!source || source.id === event.ticket.id) return;
  const present = new Set((await listFollowers(trx, event.ticket.id)).map((f) => f.email));
  const moving = (await listFollowers(trx, source.id))
    .map((f) => f.email)
    .filter((e) => e !== event.ticket.customerEmail.toLowerCase() && !present.has(e));
  const room = followersPerTicket - present.size;
  if (moving.length && room > 0) await insertFollowers(trx, event.ticket.id, moving.slice(0, room), null, now);
  await deleteFollowersOfTickets(trx, [source.id]);
};
