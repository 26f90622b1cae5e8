import type { Knex } from 'knex';
import type { Trx } from '../db/db';
import type { TicketEvent, TicketSubscriber } from '../tickets/ticket-events';
import { insertTicketEvents, type NewTicketEvent } from '../tickets/ticket-events.repo';
import { businessTimeBetween, compileCalendar, type BusinessCalendar } from './business-time';
import { calendarForCategory, findCalendar, listCalendars, type CalendarRow } from './calendars.repo';
import { readsShared, sharedRead } from './batch-reads';
import { modeOf, nextClock } from './clock-plan';
import { resyncDeferred } from './resync-deferral';
import { findTicketByTrackingId } from '../tickets/tickets.repo';
import { fieldValuesOfTickets, readClockFactsOf, type ClockFacts } from './clock-facts.repo';
import {
  clocksOf,
  lockedClocksOfTickets,
  noClockWrites,
  refreshTicketsSlaDue,
  writeClocks,
  type ClockWrites,
  type StoredClock,
} from './clocks.repo';
import { findPolicy, listPolicies } from './policies.repo';
import { matchPolicy, targetKinds, type Policy, type TargetKind } from './policy-match';

const MINUTE = 60_000;
/** Without any calendar the clocks run round the clock. */
const aroundTheClock = compileCalendar({
  timeZone: 'UTC',
  week: Array.from({ length: 7 }, () => [{ start: 0, end: 1440 }]),
  holidays: [],
});
const system = { type: 'system' as const, id: null };

/** The calendar a ticket's targets count in: the policy's, else its category's, else the default. */
export async function calendarOf(
  trx: Knex,
  policyCalendarId: number | null,
  categoryId: number,
): Promise<BusinessCalendar> {
  return sharedRead(trx, `calendar/${policyCalendarId}/${categoryId}`, async () => {
    const row = await findCalendarOf(trx, policyCalendarId, categoryId);
    return row ? sharedRead(trx, `compiled-calendar/${row.id}`, async () => compileCalendar(row)) : aroundTheClock;
  });
}

/** The policy's calendar, else the category's, else the default; a batch reads the few calendars whole, once. */
async function findCalendarOf(
  trx: Knex,
  policyCalendarId: number | null,
  categoryId: number,
): Promise<CalendarRow | undefined> {
  if (!readsShared(trx))
    return (
      (policyCalendarId !== null ? await findCalendar(trx, policyCalendarId) : undefined) ??
      (await calendarForCategory(trx, categoryId))
    );
  const all = await sharedRead(trx, 'calendars', () => listCalendars(trx));
  return (
    all.find((c) => c.id === policyCalendarId) ??
    all.find((c) => c.categoryIds.includes(categoryId)) ??
    all.find((c) => c.isDefault)
  );
}

export type ClockDisplay = {
  kind: TargetKind;
  state: 'running' | 'paused' | 'stopped' | 'met' | 'metLate' | 'breached';
  dueAt: number | null;
  leftMs: number;
  at: number | null;
};

/** A ticket's clocks as staff see them: business time left (negative when overdue), or when met or breached. */
export async function clocksForDisplay(
  db: Knex,
  ticket: { id: number; categoryId: number },
  now: number,
): Promise<ClockDisplay[]> {
  const clocks = await clocksOf(db, ticket.id);
  if (clocks.length === 0) return [];
  // The page has the ticket read already: its category is all the calendar needs (the clock facts are not).
  const policy = clocks[0]!.policyId === null ? undefined : await findPolicy(db, clocks[0]!.policyId);
  const cal = await calendarOf(db, policy?.calendarId ?? null, ticket.categoryId);
  return targetKinds.flatMap((kind): ClockDisplay[] => {
    const c = clocks.find((x) => x.kind === kind);
    if (!c) return [];
    if (c.metAt !== null)
      return [
        {
          kind,
          state: c.breachedAt !== null ? 'metLate' : 'met',
          dueAt: null,
          leftMs: 0,
          at: c.metAt,
        } satisfies ClockDisplay,
      ];
    if (c.stoppedAt !== null)
      return [
        { kind, state: 'stopped', dueAt: null, leftMs: c.targetMs - c.usedMs, at: c.stoppedAt } satisfies ClockDisplay,
      ];
    if (c.runningSince === null)
      return [
        {
          kind,
          state: 'paused',
          dueAt: null,
          leftMs: Math.max(0, c.targetMs - c.usedMs),
          at: null,
        } satisfies ClockDisplay,
      ];
    const leftMs = c.dueAt === null ? 0 : businessTimeBetween(cal, now, c.dueAt);
    return [
      {
        kind,
        state: c.breachedAt !== null || (c.dueAt !== null && c.dueAt <= now) ? 'breached' : 'running',
        dueAt: c.dueAt,
        leftMs,
        at: c.breachedAt,
      } satisfies ClockDisplay,
    ];
  });
}

/**
 * Brings a ticket's clocks up to date with the ticket as it is now, inside the transaction of
 * the change; a clock met on the way is recorded as an event of the ticket, and so is a breach
 * the job had not recorded yet (once: the mark is conditional, like the job's).
 */
export async function syncTicketClocks(
  trx: Knex,
  ticketId: number,
  now: number,
  policies?: readonly Policy[],
): Promise<void> {
  await syncTicketsClocks(trx, [ticketId], now, policies);
}

/**
 * syncTicketClocks for many tickets (a job's batch re-syncing what it changed): the policies once,
 * the tickets' clocks, facts and field values by set reads, each calendar once; the new clock rows
 * computed in memory and written together (writeClocks), then the met and breach events in one
 * insert, each ticket's in the order the single sync writes them.
 */
export async function syncTicketsClocks(
  trx: Knex,
  ticketIds: readonly number[],
  now: number,
  given?: readonly Policy[],
): Promise<void> {
  // A desk without policies, on tickets without clocks, does two small reads and no more.
  const policies = given ?? (await sharedRead(trx, 'policies', () => listPolicies(trx)));
  await syncClocksFrom(trx, await lockedClocksOfTickets(trx, ticketIds), now, policies);
}

/** Syncs the tickets' clocks from those they have (by ticket); returns the tickets whose clocks changed. */
async function syncClocksFrom(
  trx: Knex,
  existing: Map<number, StoredClock[]>,
  now: number,
  policies: readonly Policy[],
): Promise<number[]> {
  const ids = policies.length > 0 ? [...existing.keys()] : [...existing].flatMap(([id, c]) => (c.length ? [id] : []));
  if (ids.length === 0) return [];
  const facts = await readClockFactsOf(trx, ids);
  const fieldValues = policies.some((p) => p.fieldId !== null) ? await fieldValuesOfTickets(trx, ids) : undefined;
  const calendars = new Map<string, Promise<BusinessCalendar>>();
  const changedTickets: number[] = [];
  const writes = noClockWrites();
  const events: NewTicketEvent[] = [];
  for (const ticketId of ids) {
    const ticket = facts.get(ticketId);
    if (!ticket) continue;
    const match = matchPolicy(policies, { ...ticket, fieldValues: fieldValues?.get(ticketId) ?? new Map() });
    if (!match && existing.get(ticketId)!.length === 0) continue;
    const key = `${match?.policy.calendarId ?? null}/${ticket.categoryId}`;
    if (!calendars.has(key)) calendars.set(key, calendarOf(trx, match?.policy.calendarId ?? null, ticket.categoryId));
    const changes = { writes, events };
    if (syncClocks(changes, ticket, existing.get(ticketId)!, match, await calendars.get(key)!, now))
      changedTickets.push(ticketId);
  }
  await writeClocks(trx, writes, now);
  await insertTicketEvents(trx, events, now);
  await refreshTicketsSlaDue(trx, changedTickets);
  return changedTickets;
}

/** A ticket's clocks brought up to date in memory: their writes and events added to the batch's; true when any changed. */
function syncClocks(
  batch: { writes: ClockWrites; events: NewTicketEvent[] },
  facts: ClockFacts,
  existing: StoredClock[],
  match: ReturnType<typeof matchPolicy>,
  cal: BusinessCalendar,
  now: number,
): boolean {
  const { ticketId } = facts;
  const targets = match?.targets ?? {};
  let changed = false;
  for (const kind of targetKinds) {
    const before = existing.find((c) => c.kind === kind);
    const minutes = targets[kind];
    const change = nextClock(
      kind,
      before,
      modeOf(kind, facts, targets, now),
      { ms: (minutes ?? 0) * MINUTE, policyId: match?.policy.id ?? null },
      cal,
      now,
    );
    if (change.row === null) {
      if (before) batch.writes.deletes.push(before.id);
      changed ||= before !== undefined;
      continue;
    }
    if (change.row !== before) {
      if (before) batch.writes.updates.push({ id: before.id, ticketId, clock: change.row });
      else batch.writes.inserts.push({ ticketId, clock: change.row });
    }
    changed ||= change.row !== before;
    // The clock was read locked and unmarked: this sync's mark is the one (the job's mark waits for it).
    if (change.breached)
      batch.events.push({
        ticketId,
        type: 'sla.breached',
        actor: system,
        data: { kind, dueAt: change.breached.dueAt },
      });
    if (change.met)
      batch.events.push({ ticketId, type: 'sla.met', actor: system, data: { kind, late: change.met.late } });
  }
  return changed;
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

/**
 * Tickets created in this transaction, and how they left the clocks. A new ticket has no clock,
 * escalation schedule or level done yet (its id is new; rows of a deleted ticket went with it,
 * ON DELETE CASCADE): none of them are read, locked or deleted for it. 'no-policy': the desk had
 * no policy, so no later change in this transaction starts a clock either; 'unmatched': no policy
 * fitted the new ticket, but a later change in this transaction (its category, priority, a field)
 * may make one fit; 'clocked': clocks started.
 */
export type NewTicketClocks = 'no-policy' | 'unmatched' | 'clocked';
const createdHere = new WeakMap<object, Map<number, NewTicketClocks>>();

/** How a ticket created in this transaction left the clocks (read by the escalation schedule, subscribed after). */
export function createdInTransaction(trx: object, ticketId: number): NewTicketClocks | undefined {
  return createdHere.get(trx)?.get(ticketId);
}

/** The clocks of a ticket just created: with no policy none start, and there are none to read before. */
async function startNewTicketClocks(trx: Trx, ticketId: number, now: number): Promise<void> {
  const policies = await sharedRead(trx, 'policies', () => listPolicies(trx));
  const state: NewTicketClocks =
    policies.length === 0
      ? 'no-policy'
      : (await syncClocksFrom(trx, new Map([[ticketId, []]]), now, policies)).length > 0
        ? 'clocked'
        : 'unmatched';
  const created = createdHere.get(trx) ?? new Map<number, NewTicketClocks>();
  createdHere.set(trx, created.set(ticketId, state));
}

/** The clocks follow every change that can start, stop, pause or retarget them. */
export const slaClocks: TicketSubscriber = async (trx: Trx, event, now) => {
  if (!relevant.has(event.type) || resyncDeferred(trx, event)) return;
  if (event.type === 'ticket.created') return startNewTicketClocks(trx, event.ticket.id, now);
  // A merge is told on the surviving ticket; the merged one (closed now) stops its clocks too.
  if (event.type === 'ticket.merged') {
    const source = await findTicketByTrackingId(trx, event.from);
    if (source && source.id !== event.ticket.id) await syncTicketClocks(trx, source.id, now);
  }
  await syncTicketClocks(trx, event.ticket.id, now);
};
