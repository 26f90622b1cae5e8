import type { Trx } from '../db/db';
import type { TicketEvents, TicketSubscriber } from '../tickets/ticket-events';
import { findTicketById } from '../tickets/tickets.repo';
import {
  assignableStaff,
  openStatusIds,
  openTicketLoad,
  routingOf,
  setTicketRouting,
  takeAssignTurn,
} from './ticket-routing.repo';

/** Beyond this many open tickets everyone counts as equally busy (bounds the counting). */
export const loadCap = 500;

export type AssignmentChoice = { staffId: number; reason: 'round_robin' | 'least_loaded'; detail: string };

/**
 * Picks the owner of a new ticket. Round-robin: the next person in the rotation (by id), the
 * turn shared through the database. Least-loaded: whoever owns the fewest open tickets; people
 * with equal loads take turns through the same rotation, so tickets created at the same moment
 * spread even where a database shows the transaction an older snapshot of the counts.
 */
export async function chooseAssignee(
  trx: Trx,
  categoryId: number,
  strategy: 'round_robin' | 'least_loaded',
): Promise<AssignmentChoice | null> {
  const candidates = await assignableStaff(trx, categoryId);
  if (!candidates.length) return null;
  const turn = await takeAssignTurn(trx, categoryId);
  if (strategy === 'round_robin') {
    const pick = candidates[(turn - 1) % candidates.length]!;
    return { staffId: pick.id, reason: 'round_robin', detail: `turn ${turn} of ${candidates.length}` };
  }
  const open = await openStatusIds(trx);
  const loads = await Promise.all(
    candidates.map(async (c) => ({ ...c, load: await openTicketLoad(trx, c.id, open, loadCap) })),
  );
  const least = Math.min(...loads.map((l) => l.load));
  const tied = loads.filter((l) => l.load === least);
  const pick = tied[(turn - 1) % tied.length]!;
  return { staffId: pick.id, reason: 'least_loaded', detail: `${least} open` };
}

/**
 * The category's rules for a new ticket, as a subscriber to `ticket.created` (DESIGN: a new
 * reaction to tickets is a subscriber, not an edit of the ticket service): the due date from the
 * category's default due time, and the owner from its auto-assignment rule. Both happen inside
 * the transaction that creates the ticket and are recorded as events of their own.
 */
export function ticketRouting(events: TicketEvents): TicketSubscriber {
  return async (trx, event, now) => {
    if (event.type !== 'ticket.created') return;
    const ticket = event.ticket;
    const rules = event.routing ?? (await routingOf(trx, ticket.categoryId));
    if (!rules) return;
    const system = { type: 'system' as const, id: null };
    if (rules.due_hours) {
      const dueAt = ticket.createdAt + Number(rules.due_hours) * 3600_000;
      await setTicketRouting(trx, ticket.id, { due_at: dueAt });
      await events.publish(trx, { type: 'ticket.due_changed', ticket, from: null, to: dueAt, actor: system }, now);
    }
    if (rules.auto_assign === 'none' || ticket.ownerId !== null) return;
    const choice = await chooseAssignee(trx, ticket.categoryId, rules.auto_assign);
    if (!choice) return;
    await setTicketRouting(trx, ticket.id, { owner_id: choice.staffId });
    const view = (await findTicketById(trx, ticket.id))!;
    await events.publish(
      trx,
      {
        type: 'ticket.assigned',
        ticket: view,
        from: null,
        to: choice.staffId,
        actor: system,
        reason: `auto:${choice.reason} (${choice.detail})`,
      },
      now,
    );
  };
}
