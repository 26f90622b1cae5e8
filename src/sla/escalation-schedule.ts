import type { Knex } from 'knex';
import type { Trx } from '../db/db';
import type { TicketEvent, TicketSubscriber } from '../tickets/ticket-events';
import type { BusinessCalendar } from './business-time';
import { pendingLevels, type EscalationLevel } from './escalation-plan';
import {
  cycleKey,
  doneLevelsOfClocks,
  escalationClocksOfTickets,
  noLevelsDone,
  type EscalationClock,
} from './escalations.repo';
import { levelsOfPolicy } from './escalation-levels.repo';
import { dropEscalationsOfTicketsExcept, setNextEscalations } from './escalation-due.repo';
import { findPolicy } from './policies.repo';
import { resyncDeferred } from './resync-deferral';
import { sharedRead } from './batch-reads';
import { calendarOf, createdInTransaction } from './sla-clocks';

type ClockContext = { levels: EscalationLevel[]; cal: BusinessCalendar | null };

/** A clock's policy levels and calendar, read once per clock and shared by the schedule and the job. */
export async function clockContext(db: Knex, clock: EscalationClock): Promise<ClockContext> {
  const policyId = clock.policyId;
  if (policyId === null) return { levels: [], cal: null };
  const levels = (await sharedRead(db, `levels/${policyId}`, () => levelsOfPolicy(db, policyId))).filter(
    (l) => l.kind === clock.kind,
  );
  if (levels.length === 0) return { levels, cal: null };
  const policy = await sharedRead(db, `policy/${policyId}`, () => findPolicy(db, policyId));
  return { levels, cal: await calendarOf(db, policy?.calendarId ?? null, clock.categoryId) };
}

/**
 * clockContext for a batch of clocks: their few policies and calendars are read once each,
 * in the batch's transaction, instead of once per clock.
 */
export function sharedClockContext(db: Knex): (clock: EscalationClock) => Promise<ClockContext> {
  const memo = new Map<string, Promise<ClockContext>>();
  return (clock) => {
    const key = `${clock.policyId}/${clock.kind}/${clock.categoryId}`;
    if (!memo.has(key)) memo.set(key, clockContext(db, clock));
    return memo.get(key)!;
  };
}

/** Brings the escalation schedule of one ticket's clocks up to date, in the change's transaction. */
export async function planTicketEscalations(trx: Knex, ticketId: number): Promise<void> {
  await planTicketsEscalations(trx, [ticketId]);
}

/**
 * planTicketEscalations for many tickets (a job's batch): their clocks and the levels done by set
 * reads, each policy's levels and calendar once; one statement for the drops and one for the times.
 * Tickets created in this transaction (`created`) have no schedule to drop and no level done yet.
 */
export async function planTicketsEscalations(
  trx: Knex,
  ticketIds: readonly number[],
  opts: { created?: boolean } = {},
): Promise<void> {
  if (ticketIds.length === 0) return;
  const clocks = await escalationClocksOfTickets(trx, ticketIds);
  if (!opts.created)
    await dropEscalationsOfTicketsExcept(
      trx,
      ticketIds,
      clocks.map((c) => c.id),
    );
  const done = opts.created ? noLevelsDone(clocks) : await doneLevelsOfClocks(trx, clocks);
  const contextOf = sharedClockContext(trx);
  const next: Array<{ clock: EscalationClock; nextAt: number | null }> = [];
  for (const clock of clocks) {
    const { levels, cal } = await contextOf(clock);
    next.push({
      clock,
      nextAt: cal ? (pendingLevels(cal, clock, levels, done.get(cycleKey(clock))!)[0]?.at ?? null) : null,
    });
  }
  await setNextEscalations(trx, next);
}

const relevant = new Set<TicketEvent['type']>([
  'ticket.created',
  'ticket.customer_replied',
  'ticket.staff_replied',
  'ticket.status_changed',
  'ticket.priority_changed',
  'ticket.category_changed',
  'ticket.escalated',
  'ticket.field_changed',
  'ticket.merged',
]);

/** Subscribed after the SLA clocks, so it reads the clocks as the change left them. */
export const slaEscalationSchedule: TicketSubscriber = async (trx: Trx, event) => {
  if (!relevant.has(event.type) || resyncDeferred(trx, event)) return;
  const created = createdInTransaction(trx, event.ticket.id);
  // Created while the desk had no policy: no change in this transaction starts a clock either.
  if (created === 'no-policy') return;
  // Created with no policy fitting it: the creation has no clock to plan; a later change may start one.
  if (created === 'unmatched' && event.type === 'ticket.created') return;
  // Created with clocks: only the creation's own event has nothing before it; a later one may have moved them.
  await planTicketsEscalations(trx, [event.ticket.id], {
    created: created === 'clocked' && event.type === 'ticket.created',
  });
};
