import type { Trx } from '../db/db';
import { queueMail, queueMails, type QueueMailDeps } from '../mail/mail.service';
import type { MailRequest } from '../mail/mail.schema';
import { categoryRecipients } from '../notifications/staff-recipients.repo';
import { insertTicketEvent, insertTicketEvents, type NewTicketEvent } from '../tickets/ticket-events.repo';
import { findTicketById, findTicketsByIds, type TicketView } from '../tickets/tickets.repo';
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
};

/** One clock's step: every read and write at once, as before batching. */
export function directContext(trx: Trx, deps: QueueMailDeps, now: number): ActionContext {
  return {
    ticket: async (id) => (await findTicketById(trx, id))!,
    staff: (id) => activeStaff(trx, id),
    categoryPeople: (categoryId) => categoryRecipients(trx, categoryId, 'notify_escalated'),
    mail: async (request) => void (await queueMail(trx, deps, request)),
    event: (e) => insertTicketEvent(trx, e.ticketId, e.type, e.actor, e.data, now),
    changing: async () => {},
  };
}

export type BatchContext = ActionContext & { flush(): Promise<void> };

/**
 * A batch's reads and writes: the tickets and the staff the levels may name are read up front;
 * the category's people once per category; mails and history lines wait for `flush`. A ticket an
 * action changes is read anew afterwards, and what waits is written first, so its history keeps
 * the order of the one-by-one step. The changes' clock re-syncs wait too (`resync`, see
 * resync-deferral.ts): a ticket's before its next change or its waiting lines are written, all
 * the others together at `flush`.
 */
export async function batchContext(
  trx: Trx,
  deps: QueueMailDeps,
  now: number,
  ticketIds: number[],
  staffIds: number[],
  resync: (ticketId?: number) => Promise<void>,
): Promise<BatchContext> {
  const tickets = await findTicketsByIds(trx, ticketIds);
  const staff = await activeStaffByIds(trx, [
    ...staffIds,
    ...[...tickets.values()].flatMap((t) => (t.ownerId === null ? [] : [t.ownerId])),
  ]);
  const people = new Map<number, Promise<StaffContact[]>>();
  let mails: MailRequest[] = [];
  let events: NewTicketEvent[] = [];
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
  return {
    ticket: async (id) => tickets.get(id) ?? (await findTicketById(trx, id))!,
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
      await resync(ticketId);
      await flush(ticketId);
    },
    flush: async () => {
      await resync();
      await flush();
    },
  };
}
