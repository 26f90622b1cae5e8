import type { Knex } from 'knex';
import type { Trx } from '../db/db';
import type { TicketEvent, TicketSubscriber } from '../tickets/ticket-events';
import { insertTicketEvent } from '../tickets/ticket-events.repo';
import { compileCalendar, type BusinessCalendar } from './business-time';
import { calendarForCategory, findCalendar } from './calendars.repo';
import { modeOf, nextClock } from './clock-plan';
import { clocksOf, deleteClock, fieldValuesOf, readClockFacts, upsertClock } from './clocks.repo';
import { listPolicies } from './policies.repo';
import { matchPolicy, targetKinds } from './policy-match';

const MINUTE = 60_000;
/** Without any calendar the clocks run round the clock. */
const aroundTheClock = compileCalendar({ timeZone: 'UTC', week: Array.from({ length: 7 }, () => [{ start: 0, end: 1440 }]), holidays: [] });
const system = { type: 'system' as const, id: null };

/** The calendar a ticket's targets count in: the policy's, else its category's, else the default. */
async function calendarOf(trx: Knex, policyCalendarId: number | null, categoryId: number): Promise<BusinessCalendar> {
  const row = (policyCalendarId !== null ? await findCalendar(trx, policyCalendarId) : undefined) ?? (await calendarForCategory(trx, categoryId));
  return row ? compileCalendar(row) : aroundTheClock;
}

/**
 * Brings a ticket's clocks up to date with the ticket as it is now, inside the transaction of
 * the change; a clock met on the way is recorded as an event of the ticket.
 */
export async function syncTicketClocks(trx: Knex, ticketId: number, now: number): Promise<void> {
  const facts = await readClockFacts(trx, ticketId);
  if (!facts) return;
  const policies = await listPolicies(trx);
  const fieldValues = policies.some((p) => p.fieldId !== null) ? await fieldValuesOf(trx, ticketId) : new Map<number, string>();
  const match = matchPolicy(policies, { ...facts, fieldValues });
  const targets = match?.targets ?? {};
  const existing = await clocksOf(trx, ticketId);
  if (!match && existing.length === 0) return;
  const cal = await calendarOf(trx, match?.policy.calendarId ?? null, facts.categoryId);
  for (const kind of targetKinds) {
    const before = existing.find((c) => c.kind === kind);
    const minutes = targets[kind];
    const change = nextClock(kind, before, modeOf(kind, facts, targets, now), { ms: (minutes ?? 0) * MINUTE, policyId: match?.policy.id ?? null }, cal, now);
    if (change.row === null) {
      if (before) await deleteClock(trx, ticketId, kind);
      continue;
    }
    if (change.row !== before) await upsertClock(trx, ticketId, change.row, before !== undefined, now);
    if (change.met) await insertTicketEvent(trx, ticketId, 'sla.met', system, { kind, late: change.met.late }, now);
  }
}

const relevant = new Set<TicketEvent['type']>([
  'ticket.created', 'ticket.customer_replied', 'ticket.staff_replied', 'ticket.status_changed', 'ticket.priority_changed',
  'ticket.category_changed', 'ticket.escalated', 'ticket.field_changed', 'ticket.merged',
]);

/** The clocks follow every change that can start, stop, pause or retarget them. */
export const slaClocks: TicketSubscriber = async (trx: Trx, event, now) => {
  if (relevant.has(event.type)) await syncTicketClocks(trx, event.ticket.id, now);
};
