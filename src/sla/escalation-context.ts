import type { Trx } from '../db/db';
import { queueMail, queueMails, type QueueMailDeps } from '../mail/mail.service';
import type { MailRequest } from '../mail/mail.schema';
import { categoryRecipients } from '../notifications/staff-recipients.repo';
import { eventLine, type TicketEvent, type TicketEvents } from '../tickets/ticket-events';
import { insertTicketEvent, insertTicketEvents, type NewTicketEvent } from '../tickets/ticket-events.repo';
import {
  findTicketById,
  findTicketsByIds,
  updateTicket,
  updateTickets,
  type TicketView,
} from '../tickets/tickets.repo';
import { activeStaff, activeStaffByIds, type StaffContact } from './escalations.repo';

/**
 * What an escalation action reads and writes beside the ticket change itself: one clock's step
 * does it statement by statement; a batch reads its tickets and staff in a few set queries and
 * stores its mails and history lines by multi-row inserts at the end.
 */
export type ActionContext = {
  ticket(id: number): Promise<TicketView>;
  staff(id: number): Promise<StaffContact | undefined>;
  categoryPeople(categoryId: number): Promise<StaffContact[]>;
  mail(request: MailRequest): Promise<void>;
  event(event: NewTicketEvent): Promise<void>;
  /** Called before an action changes the ticket: its events run now and must find the history as one by one. */
  changing(ticketId: number): Promise<void>;
  /** Raises the ticket's priority, with its history line and its subscribers (at once, or with a batch's others). */
  raise(ticket: TicketView, to: Priority): Promise<void>;
};

type Priority = { id: number; key: string; name: string };
type ContextDeps = QueueMailDeps & { events: TicketEvents };
const system = { type: 'system' as const, id: null };

/** The raise's event, with the ticket as the update leaves it (the priority and the time are all it changes). */
function priorityRaised(ticket: TicketView, to: Priority, now: number): TicketEvent {
  return {
    type: 'ticket.priority_changed',
    ticket: { ...ticket, priorityKey: to.key, priorityName: to.name, updatedAt: now },
    from: ticket.priorityKey,
    to: to.key,
    actor: system,
  };
}

/** One clock's step: every read and write at once, as before batching. */
export function directContext(trx: Trx, deps: ContextDeps, now: number): ActionContext {
  return {
    ticket: async (id) => (await findTicketById(trx, id))!,
    staff: (id) => activeStaff(trx, id),
    categoryPeople: (categoryId) => categoryRecipients(trx, categoryId, 'notify_escalated'),
    mail: async (request) => void (await queueMail(trx, deps, request)),
    event: (e) => insertTicketEvent(trx, e.ticketId, e.type, e.actor, e.data, now),
    changing: async () => {},
    raise: async (ticket, to) => {
      await updateTicket(trx, ticket.id, { priority_id: to.id, updated_at: now });
      await deps.events.publish(trx, priorityRaised(ticket, to, now), now);
    },
  };
}

export type BatchContext = ActionContext & { flush(): Promise<void> };

/**
 * A batch's reads and writes: the tickets and the staff the levels may name are read up front;
 * the category's people once per category; mails and history lines wait for `flush`. A ticket an
 * action changes is read anew afterwards, and what waits is written first, so its history keeps
 * the order of the one-by-one step. The changes' clock re-syncs wait too (`resync`, see
 * resync-deferral.ts): a ticket's before its next change or its waiting lines are written, all
 * the others together at `flush`. Priority raises wait as well and are stored together (one
 * UPDATE per new priority), before anything else that touches a raised ticket.
 */
export async function batchContext(
  trx: Trx,
  deps: ContextDeps,
  now: number,
  ticketIds: number[],
  staffIds: number[],
  resync: (ticketId?: number) => Promise<boolean>,
): Promise<BatchContext> {
  const tickets = await findTicketsByIds(trx, ticketIds);
  const staff = await activeStaffByIds(trx, [
    ...staffIds,
    ...[...tickets.values()].flatMap((t) => (t.ownerId === null ? [] : [t.ownerId])),
  ]);
  const people = new Map<number, Promise<StaffContact[]>>();
  let mails: MailRequest[] = [];
  let events: NewTicketEvent[] = [];
  let raises = new Map<number, { event: TicketEvent; line: NewTicketEvent; priorityId: number }>();
  // Only the changing ticket's history lines go now: another ticket's wait for its deferred re-sync,
  // whose breach or met lines come before them one by one.
  const flush = async (ticketId?: number) => {
    const m = mails;
    const e = events.filter((x) => ticketId === undefined || x.ticketId === ticketId);
    mails = [];
    events = events.filter((x) => !e.includes(x));
    await queueMails(trx, deps, m);
    await insertTicketEvents(trx, e, now);
  };
  // The waiting raises: each raised ticket's lines up to its raise's line, one UPDATE per new priority,
  // then the events' subscribers (the clocks' re-sync waits, see above). Its later lines stay waiting.
  const applyRaises = async () => {
    if (raises.size === 0) return;
    const applying = raises;
    raises = new Map();
    const upToRaise: NewTicketEvent[] = [];
    const passed = new Set<number>();
    events = events.filter((e) => {
      const raise = applying.get(e.ticketId);
      if (!raise || passed.has(e.ticketId)) return true;
      upToRaise.push(e);
      if (e === raise.line) passed.add(e.ticketId);
      return false;
    });
    await insertTicketEvents(trx, upToRaise, now);
    const byPriority = new Map<number, number[]>();
    for (const [ticketId, r] of applying)
      byPriority.set(r.priorityId, [...(byPriority.get(r.priorityId) ?? []), ticketId]);
    for (const [priorityId, ids] of byPriority)
      await updateTickets(trx, ids, { priority_id: priorityId, updated_at: now });
    for (const r of applying.values()) await deps.events.react(trx, r.event, now);
  };
  return {
    ticket: async (id) => {
      if (raises.has(id)) await applyRaises();
      return tickets.get(id) ?? (await findTicketById(trx, id))!;
    },
    // Staff not read up front (an owner set by an earlier action of the batch) are read singly.
    staff: async (id) => (staff.has(id) ? staff.get(id) : activeStaff(trx, id)),
    categoryPeople: (categoryId) => {
      if (!people.has(categoryId)) people.set(categoryId, categoryRecipients(trx, categoryId, 'notify_escalated'));
      return people.get(categoryId)!;
    },
    mail: async (request) => void mails.push(request),
    event: async (e) => void events.push(e),
    changing: async (ticketId) => {
      tickets.delete(ticketId);
      if (raises.has(ticketId)) await applyRaises();
      await resync(ticketId);
      await flush(ticketId);
    },
    raise: async (ticket, to) => {
      tickets.delete(ticket.id);
      if (raises.has(ticket.id)) await applyRaises();
      // An earlier change's re-sync writes its lines now: the ones waiting come after them, as one by one.
      if (await resync(ticket.id)) await flush(ticket.id);
      const event = priorityRaised(ticket, to, now);
      const line = eventLine(event);
      events.push(line);
      raises.set(ticket.id, { event, line, priorityId: to.id });
    },
    flush: async () => {
      await applyRaises();
      await resync();
      await flush();
    },
  };
}
