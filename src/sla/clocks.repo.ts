import type { Knex } from 'knex';
import { lockedForUpdate } from '../db/dialect';
import { bumpResyncRevision } from '../jobs/resync-pass.repo';
import type { TargetKind } from './policy-match';

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

/** Copies each ticket's soonest running due time onto the ticket (the list's SLA column), in one statement. */
export async function refreshTicketsSlaDue(trx: Knex, ticketIds: readonly number[]): Promise<void> {
  if (ticketIds.length === 0) return;
  await trx('tickets')
    .whereIn('id', [...new Set(ticketIds)])
    .update({
      // min() skips the clocks without a due time, and is null when no clock runs.
      sla_due_at: trx('sla_clocks').whereRaw('sla_clocks.ticket_id = tickets.id').min('due_at'),
    });
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
