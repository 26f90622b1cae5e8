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
  const t = await trx('tickets as t')
    .join('statuses as s', 's.id', 't.status_id')
    .join('customers as c', 'c.id', 't.customer_id')
    .where('t.id', ticketId)
    .first<
      | {
          created_at: number;
          priority_id: number;
          category_id: number;
          email: string | null;
          is_open: boolean | number;
          pauses_sla: boolean | number;
          merged_into_id: number | null;
        }
      | undefined
    >('t.created_at', 't.priority_id', 't.category_id', 'c.email', 's.is_open', 's.pauses_sla', 't.merged_into_id');
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
  return {
    ticketId,
    createdAt: Number(t.created_at),
    priorityId: Number(t.priority_id),
    categoryId: Number(t.category_id),
    customerEmail: t.email,
    isOpen: Boolean(t.is_open),
    pauses: Boolean(t.pauses_sla),
    merged: t.merged_into_id != null,
    firstStaffReplyAt: firstStaff ? Number(firstStaff.created_at) : null,
    unansweredSince,
  };
}

export async function fieldValuesOf(trx: Knex, ticketId: number): Promise<Map<number, string>> {
  const rows = await trx('custom_field_values')
    .where({ ticket_id: ticketId })
    .select<Array<{ field_id: number; value: string }>>('field_id', 'value');
  return new Map(rows.map((r) => [Number(r.field_id), r.value]));
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
 * A ticket's clocks read for a change, locked until the transaction ends (FOR UPDATE; SQLite's
 * single writer serializes instead): the breach job's mark waits for the change, or the change
 * reads the mark, so neither writes over the other. The lock is taken by primary key, on rows
 * that exist: a range lock by ticket would lock the gap where new tickets' clocks are inserted
 * (MariaDB's repeatable read), and a ticket without clocks has nothing the job could mark.
 */
export async function lockedClocksOf(trx: Knex, ticketId: number): Promise<ClockRow[]> {
  const ids = await trx('sla_clocks').where({ ticket_id: ticketId }).pluck('id');
  if (ids.length === 0) return [];
  return (await lockedForUpdate(trx, trx('sla_clocks').whereIn('id', ids).select(clockColumns))).map((r: Raw) =>
    fromRaw(r),
  );
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
