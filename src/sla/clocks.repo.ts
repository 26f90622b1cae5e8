import type { Knex } from 'knex';
import { lockedForUpdate } from '../db/dialect';
import { bumpResyncRevision } from '../jobs/resync-pass.repo';
import type { TargetKind } from './policy-match';

/** What the clocks of one ticket depend on, read in the transaction of the change. */
export type ClockFacts = {
  ticketId: number;
  createdAt: number;
  priorityId: number;
  categoryId: number;
  customerEmail: string | null;
  isOpen: boolean;
  pauses: boolean;
  merged: boolean;
  firstStaffReplyAt: number | null;
  /** Creation time of the oldest customer message after the last staff reply, when staff has replied. */
  unansweredSince: number | null;
};

export async function readClockFacts(trx: Knex, ticketId: number): Promise<ClockFacts | undefined> {
  const [t] = await ticketFacts(trx, [ticketId]);
  if (!t) return undefined;
  // Each a point read of the (ticket_id, kind, id) index, never every message of the ticket;
  // ids, not times, order messages written in the same millisecond.
  const byKind = (kind: 'staff' | 'customer') => trx('messages').where({ ticket_id: ticketId, kind });
  const firstStaff = await byKind('staff')
    .orderBy('id', 'asc')
    .first<{ created_at: number | string } | undefined>('created_at');
  let unansweredSince: number | null = null;
  if (firstStaff) {
    const lastStaff = (await byKind('staff').orderBy('id', 'desc').first<{ id: number | string }>('id'))!;
    const waiting = await byKind('customer')
      .andWhere('id', '>', lastStaff.id)
      .orderBy('id', 'asc')
      .first<{ created_at: number | string } | undefined>('created_at');
    unansweredSince = waiting ? Number(waiting.created_at) : null;
  }
  return factsOf(t, firstStaff ? Number(firstStaff.created_at) : null, unansweredSince);
}

type TicketFactsRow = {
  id: number;
  created_at: number;
  priority_id: number;
  category_id: number;
  email: string | null;
  is_open: boolean | number;
  pauses_sla: boolean | number;
  merged_into_id: number | null;
};
const ticketFacts = (trx: Knex, ids: readonly number[]) =>
  trx('tickets as t')
    .join('statuses as s', 's.id', 't.status_id')
    .join('customers as c', 'c.id', 't.customer_id')
    .whereIn('t.id', ids)
    .select<TicketFactsRow[]>(
      't.id',
      't.created_at',
      't.priority_id',
      't.category_id',
      'c.email',
      's.is_open',
      's.pauses_sla',
      't.merged_into_id',
    );
const factsOf = (t: TicketFactsRow, firstStaffReplyAt: number | null, unansweredSince: number | null): ClockFacts => ({
  ticketId: Number(t.id),
  createdAt: Number(t.created_at),
  priorityId: Number(t.priority_id),
  categoryId: Number(t.category_id),
  customerEmail: t.email,
  isOpen: Boolean(t.is_open),
  pauses: Boolean(t.pauses_sla),
  merged: t.merged_into_id != null,
  firstStaffReplyAt,
  unansweredSince,
});

/**
 * readClockFacts for many tickets at once (a job's batch re-syncing the tickets it changed): the
 * tickets in one read, the first and last staff reply per ticket by one grouped read of
 * messages(ticket_id, kind, id), the customer message waiting after the last staff reply by
 * another, and their times by id: four statements however many tickets.
 */
export async function readClockFactsOf(trx: Knex, ticketIds: readonly number[]): Promise<Map<number, ClockFacts>> {
  const facts = new Map<number, ClockFacts>();
  if (ticketIds.length === 0) return facts;
  const ids = [...new Set(ticketIds)];
  // One ticket (every change made on a page): point reads of its index. The grouped reads below
  // compare each customer message with the ticket's last staff reply, which grows with the ticket.
  if (ids.length === 1) {
    const one = await readClockFacts(trx, ids[0]!);
    if (one) facts.set(ids[0]!, one);
    return facts;
  }
  const tickets = await ticketFacts(trx, ids);
  const staff = await trx('messages')
    .whereIn('ticket_id', ids)
    .andWhere('kind', 'staff')
    .groupBy('ticket_id')
    .select<Array<{ ticket_id: number; first_id: number | string }>>('ticket_id', trx.raw('min(id) as first_id'));
  const waiting =
    staff.length === 0
      ? []
      : await trx('messages as m')
          .whereIn(
            'm.ticket_id',
            staff.map((r) => r.ticket_id),
          )
          .andWhere('m.kind', 'customer')
          .andWhere(
            'm.id',
            '>',
            trx('messages as l').where('l.ticket_id', trx.ref('m.ticket_id')).andWhere('l.kind', 'staff').max('l.id'),
          )
          .groupBy('m.ticket_id')
          .select<Array<{ ticket_id: number; id: number | string }>>('m.ticket_id', trx.raw('min(m.id) as id'));
  const messageIds = [...staff.map((r) => r.first_id), ...waiting.map((r) => r.id)].map(Number);
  const times = new Map(
    messageIds.length === 0
      ? []
      : (
          await trx('messages')
            .whereIn('id', messageIds)
            .select<Array<{ id: number | string; created_at: number | string }>>('id', 'created_at')
        ).map((r) => [Number(r.id), Number(r.created_at)]),
  );
  const firstStaff = new Map(staff.map((r) => [Number(r.ticket_id), times.get(Number(r.first_id))!]));
  const waitingSince = new Map(waiting.map((r) => [Number(r.ticket_id), times.get(Number(r.id))!]));
  for (const t of tickets) {
    const ticketId = Number(t.id);
    const first = firstStaff.get(ticketId) ?? null;
    facts.set(ticketId, factsOf(t, first, first === null ? null : (waitingSince.get(ticketId) ?? null)));
  }
  return facts;
}

/** The tickets' custom field values: ticket id → field id → value. */
export async function fieldValuesOfTickets(
  trx: Knex,
  ticketIds: readonly number[],
): Promise<Map<number, Map<number, string>>> {
  const values = new Map(ticketIds.map((id) => [id, new Map<number, string>()]));
  if (ticketIds.length === 0) return values;
  const rows = await trx('custom_field_values')
    .whereIn('ticket_id', [...values.keys()])
    .select<Array<{ ticket_id: number; field_id: number; value: string }>>('ticket_id', 'field_id', 'value');
  for (const r of rows) values.get(Number(r.ticket_id))?.set(Number(r.field_id), r.value);
  return values;
}

export type ClockRow = {
  kind: TargetKind;
  policyId: number | null;
  targetMs: number;
  startedAt: number;
  usedMs: number;
  runningSince: number | null;
  dueAt: number | null;
  metAt: number | null;
  /** The ticket was closed or merged while this clock was not met; cleared when it resumes. */
  stoppedAt: number | null;
  breachedAt: number | null;
};

type Raw = {
  kind: TargetKind;
  policy_id: number | null;
  target_ms: number | string;
  started_at: number | string;
  used_ms: number | string;
  running_since: number | string | null;
  due_at: number | string | null;
  met_at: number | string | null;
  stopped_at: number | string | null;
  breached_at: number | string | null;
};
const num = (v: number | string | null) => (v === null ? null : Number(v));

const clockColumns = [
  'kind',
  'policy_id',
  'target_ms',
  'started_at',
  'used_ms',
  'running_since',
  'due_at',
  'met_at',
  'stopped_at',
  'breached_at',
];
const fromRaw = (r: Raw): ClockRow => ({
  kind: r.kind,
  policyId: num(r.policy_id),
  targetMs: Number(r.target_ms),
  startedAt: Number(r.started_at),
  usedMs: Number(r.used_ms),
  runningSince: num(r.running_since),
  dueAt: num(r.due_at),
  metAt: num(r.met_at),
  stoppedAt: num(r.stopped_at),
  breachedAt: num(r.breached_at),
});

/** A ticket's clocks as they are, for showing them. */
export async function clocksOf(db: Knex, ticketId: number): Promise<ClockRow[]> {
  return (await db('sla_clocks').where({ ticket_id: ticketId }).select<Raw[]>(clockColumns)).map(fromRaw);
}

/**
 * The clocks of the tickets a change touches (ticket id → clocks), locked until the transaction ends (FOR UPDATE; SQLite's
 * single writer serializes instead): the breach job's mark waits for the change, or the change
 * reads the mark, so neither writes over the other. The lock is taken by primary key, on rows
 * that exist: a range lock by ticket would lock the gap where new tickets' clocks are inserted
 * (MariaDB's repeatable read), and a ticket without clocks has nothing the job could mark.
 * Two statements whatever the number of tickets.
 */
export async function lockedClocksOfTickets(trx: Knex, ticketIds: readonly number[]): Promise<Map<number, ClockRow[]>> {
  const clocks = new Map(ticketIds.map((id) => [id, [] as ClockRow[]]));
  const ids =
    ticketIds.length === 0
      ? []
      : await trx('sla_clocks')
          .whereIn('ticket_id', [...clocks.keys()])
          .pluck('id');
  if (ids.length === 0) return clocks;
  const rows = await lockedForUpdate(
    trx,
    trx('sla_clocks')
      .whereIn('id', ids)
      .select(['ticket_id', ...clockColumns]),
  );
  for (const r of rows as Array<Raw & { ticket_id: number }>) clocks.get(Number(r.ticket_id))?.push(fromRaw(r));
  return clocks;
}

const toRaw = (c: ClockRow) => ({
  policy_id: c.policyId,
  target_ms: c.targetMs,
  started_at: c.startedAt,
  used_ms: c.usedMs,
  running_since: c.runningSince,
  due_at: c.dueAt,
  met_at: c.metAt,
  stopped_at: c.stoppedAt,
});

/**
 * Writes a clock's new state. Within one cycle `breached_at` is never written here (it is only
 * ever set, by recordBreach or the breach job, never lowered or cleared); a new clock or a new
 * next-response cycle starts unbreached.
 */
export async function upsertClock(
  trx: Knex,
  ticketId: number,
  clock: ClockRow,
  before: ClockRow | undefined,
  now: number,
): Promise<void> {
  if (!before)
    await trx('sla_clocks').insert({
      ticket_id: ticketId,
      kind: clock.kind,
      ...toRaw(clock),
      breached_at: null,
      updated_at: now,
    });
  else if (before.startedAt === clock.startedAt)
    await trx('sla_clocks')
      .where({ ticket_id: ticketId, kind: clock.kind })
      .update({ ...toRaw(clock), updated_at: now });
  else
    await trx('sla_clocks')
      .where({ ticket_id: ticketId, kind: clock.kind })
      .update({ ...toRaw(clock), breached_at: null, updated_at: now });
}

/** Marks a ticket's clock breached at its due time unless it already is; true when this call did it. */
export async function recordBreach(
  trx: Knex,
  ticketId: number,
  kind: TargetKind,
  dueAt: number,
  now: number,
): Promise<boolean> {
  return (
    (await trx('sla_clocks')
      .where({ ticket_id: ticketId, kind })
      .whereNull('breached_at')
      .update({ breached_at: dueAt, updated_at: now })) === 1
  );
}

/** Keeps the ticket's soonest running due time current, for the list's SLA sort and filters. */
export async function refreshTicketSlaDue(trx: Knex, ticketId: number): Promise<void> {
  const row = await trx('sla_clocks')
    .where({ ticket_id: ticketId })
    .whereNotNull('due_at')
    .first<{ due: number | string | null }>(trx.raw('min(due_at) as due'));
  await trx('tickets')
    .where({ id: ticketId })
    .update({ sla_due_at: row?.due == null ? null : Number(row.due) });
}

export async function deleteClock(trx: Knex, ticketId: number, kind: TargetKind): Promise<void> {
  await trx('sla_clocks').where({ ticket_id: ticketId, kind }).del();
}

/** Running clocks past their due time and not yet marked breached, soonest first, by index. */
export async function dueUnbreachedClocks(
  db: Knex,
  now: number,
  limit: number,
): Promise<Array<{ id: number; ticketId: number; kind: TargetKind; dueAt: number }>> {
  const rows = await db('sla_clocks')
    .whereNull('breached_at')
    .andWhere('due_at', '<=', now)
    .orderBy('due_at')
    .limit(limit)
    .select<Array<{ id: number; ticket_id: number; kind: TargetKind; due_at: number }>>(
      'id',
      'ticket_id',
      'kind',
      'due_at',
    );
  return rows.map((r) => ({ id: Number(r.id), ticketId: Number(r.ticket_id), kind: r.kind, dueAt: Number(r.due_at) }));
}

/** Marks one clock breached; false when another process did first (the condition is part of the write). */
export async function markBreached(trx: Knex, id: number, dueAt: number, now: number): Promise<boolean> {
  return (
    (await trx('sla_clocks')
      .where({ id })
      .whereNull('breached_at')
      .andWhere('due_at', dueAt)
      .update({ breached_at: dueAt, updated_at: now })) === 1
  );
}

/** Counts a policy or calendar edit, inside its transaction: the resync job recomputes the open tickets for it. */
export async function bumpSlaRevision(trx: Knex, now: number): Promise<void> {
  await bumpResyncRevision(trx, 'sla-resync', now);
}
