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

/** A clock as stored, with its row's id (the key its rewrite goes by). */
export type StoredClock = ClockRow & { id: number };

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
export async function lockedClocksOfTickets(
  trx: Knex,
  ticketIds: readonly number[],
): Promise<Map<number, StoredClock[]>> {
  const clocks = new Map(ticketIds.map((id) => [id, [] as StoredClock[]]));
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
      .select(['id', 'ticket_id', ...clockColumns]),
  );
  for (const r of rows as Array<Raw & { id: number; ticket_id: number }>)
    clocks.get(Number(r.ticket_id))?.push({ ...fromRaw(r), id: Number(r.id) });
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
  breached_at: c.breachedAt,
});
const rewritten = [...clockColumns.filter((c) => c !== 'kind'), 'updated_at'];
/** Rows per statement: 12 values each, far below every database's limit of parameters. */
const chunk = 100;

/**
 * A sync's clock writes, gathered so that a batch writes them in one statement each: new clocks,
 * changed clocks (by id) and clocks that go (by id).
 */
export type ClockWrites = {
  inserts: Array<{ ticketId: number; clock: ClockRow }>;
  updates: Array<{ id: number; ticketId: number; clock: ClockRow }>;
  deletes: number[];
};
export const noClockWrites = (): ClockWrites => ({ inserts: [], updates: [], deletes: [] });

/**
 * Writes the clocks' new states as computed, `breached_at` included: the rows were read locked
 * (lockedClocksOfTickets), so no breach mark can have come between the read and this write, and
 * the computed mark is the read one, or the one this sync records, or none for a new cycle.
 * Changed rows go as one upsert keyed by id (rows that exist: it always updates), ids sorted
 * like every other writer's.
 */
export async function writeClocks(trx: Knex, writes: ClockWrites, now: number): Promise<void> {
  const deletes = [...writes.deletes].sort((a, b) => a - b);
  for (let i = 0; i < deletes.length; i += chunk)
    await trx('sla_clocks')
      .whereIn('id', deletes.slice(i, i + chunk))
      .del();
  const updates = [...writes.updates].sort((a, b) => a.id - b.id);
  for (let i = 0; i < updates.length; i += chunk)
    await trx('sla_clocks')
      .insert(
        updates
          .slice(i, i + chunk)
          .map((u) => ({ id: u.id, ticket_id: u.ticketId, kind: u.clock.kind, ...toRaw(u.clock), updated_at: now })),
      )
      .onConflict('id')
      .merge(rewritten);
  for (let i = 0; i < writes.inserts.length; i += chunk)
    await trx('sla_clocks').insert(
      writes.inserts
        .slice(i, i + chunk)
        .map((n) => ({ ticket_id: n.ticketId, kind: n.clock.kind, ...toRaw(n.clock), updated_at: now })),
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
