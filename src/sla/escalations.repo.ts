import type { Knex } from 'knex';
import { sharedRead } from './batch-reads';
import type { RunningClock } from './escalation-plan';
import type { TargetKind } from './policy-match';

export type EscalationClock = RunningClock & {
  id: number;
  ticketId: number;
  policyId: number | null;
  categoryId: number;
};
type ClockRaw = {
  id: number;
  ticket_id: number;
  kind: TargetKind;
  policy_id: number | null;
  target_ms: number | string;
  used_ms: number | string;
  started_at: number | string;
  running_since: number | string | null;
  due_at: number | string | null;
  met_at: number | string | null;
  category_id: number;
};
const opt = (v: number | string | null) => (v === null ? null : Number(v));
const clockOf = (r: ClockRaw): EscalationClock => ({
  id: Number(r.id),
  ticketId: Number(r.ticket_id),
  kind: r.kind,
  policyId: opt(r.policy_id),
  targetMs: Number(r.target_ms),
  usedMs: Number(r.used_ms),
  startedAt: Number(r.started_at),
  runningSince: opt(r.running_since),
  dueAt: opt(r.due_at),
  metAt: opt(r.met_at),
  categoryId: Number(r.category_id),
});
const clockQuery = (db: Knex) =>
  db('sla_clocks as c')
    .join('tickets as t', 't.id', 'c.ticket_id')
    .select(
      'c.id',
      'c.ticket_id',
      'c.kind',
      'c.policy_id',
      'c.target_ms',
      'c.used_ms',
      'c.started_at',
      'c.running_since',
      'c.due_at',
      'c.met_at',
      't.category_id',
    );

/** The SLA clocks of several tickets in one read (a job's batch re-planning what it changed). */
export async function escalationClocksOfTickets(db: Knex, ticketIds: readonly number[]): Promise<EscalationClock[]> {
  return ((await clockQuery(db).whereIn('c.ticket_id', [...new Set(ticketIds)])) as ClockRaw[]).map(clockOf);
}

export async function escalationClock(db: Knex, clockId: number): Promise<EscalationClock | undefined> {
  const row = (await clockQuery(db).where('c.id', clockId).first()) as ClockRaw | undefined;
  return row ? clockOf(row) : undefined;
}

/** Several clocks in one read (a job's batch), by clock id. */
export async function escalationClocks(db: Knex, clockIds: readonly number[]): Promise<Map<number, EscalationClock>> {
  if (clockIds.length === 0) return new Map();
  const rows = (await clockQuery(db).whereIn('c.id', [...new Set(clockIds)])) as ClockRaw[];
  return new Map(rows.map((r) => [Number(r.id), clockOf(r)]));
}

/** The key of one cycle of a clock in sla_escalations_done. */
export const cycleKey = (c: { ticketId: number; kind: TargetKind; startedAt: number }) =>
  `${c.ticketId}/${c.kind}/${c.startedAt}`;

/** The levels done of each clock's cycle, none yet (a new ticket's clocks). */
export function noLevelsDone(clocks: readonly EscalationClock[]): Map<string, Set<number>> {
  return new Map<string, Set<number>>(clocks.map((c) => [cycleKey(c), new Set<number>()]));
}

/** The levels already done in the current cycle of each clock, in one read: cycle key → level ids. */
export async function doneLevelsOfClocks(
  db: Knex,
  clocks: readonly EscalationClock[],
): Promise<Map<string, Set<number>>> {
  const done = noLevelsDone(clocks);
  if (clocks.length === 0) return done;
  const rows = await db('sla_escalations_done')
    .whereIn('ticket_id', [...new Set(clocks.map((c) => c.ticketId))])
    .select<Array<{ ticket_id: number; kind: TargetKind; cycle_started_at: number | string; level_id: number }>>(
      'ticket_id',
      'kind',
      'cycle_started_at',
      'level_id',
    );
  for (const r of rows)
    done
      .get(cycleKey({ ticketId: Number(r.ticket_id), kind: r.kind, startedAt: Number(r.cycle_started_at) }))
      ?.add(Number(r.level_id));
  return done;
}

/** The levels already done in this cycle of the clock. */
export async function doneLevelIds(
  db: Knex,
  ticketId: number,
  kind: TargetKind,
  cycleStartedAt: number,
): Promise<Set<number>> {
  const ids = await db('sla_escalations_done')
    .where({ ticket_id: ticketId, kind, cycle_started_at: cycleStartedAt })
    .pluck('level_id');
  return new Set(ids.map(Number));
}

/** Records levels as done, one statement per 100; the unique key refuses a second record of the same cycle (the statement throws). */
export async function recordDoneMany(
  trx: Knex,
  done: ReadonlyArray<{ clock: EscalationClock; levelId: number }>,
  now: number,
): Promise<void> {
  const rows = done.map(({ clock, levelId }) => ({
    ticket_id: clock.ticketId,
    kind: clock.kind,
    level_id: levelId,
    cycle_started_at: clock.startedAt,
    done_at: now,
  }));
  for (let i = 0; i < rows.length; i += 100) await trx('sla_escalations_done').insert(rows.slice(i, i + 100));
}

export type StaffContact = { id: number; email: string; name: string; language: string };

/** An active staff member, for the levels that name one. */
export async function activeStaff(db: Knex, staffId: number): Promise<StaffContact | undefined> {
  return (await activeStaffByIds(db, [staffId])).get(staffId);
}

/** The active staff among these ids, in one read. */
export async function activeStaffByIds(db: Knex, staffIds: readonly number[]): Promise<Map<number, StaffContact>> {
  if (staffIds.length === 0) return new Map();
  const rows = await db('staff_users')
    .whereIn('id', [...new Set(staffIds)])
    .where({ is_active: true })
    .select<Array<{ id: number; email: string; name: string; language: string }>>('id', 'email', 'name', 'language');
  return new Map(
    rows.map((r) => [Number(r.id), { id: Number(r.id), email: r.email, name: r.name, language: r.language }]),
  );
}

/** The next more urgent priority than this one, if any. */
export async function higherPriority(
  db: Knex,
  priorityKey: string,
): Promise<{ id: number; key: string; name: string } | undefined> {
  // The few priorities, read whole (once per batch): the next one up in sort order.
  const all = await sharedRead(db, 'priorities', () =>
    db('priorities')
      .orderBy([{ column: 'sort_order' }, { column: 'id' }])
      .select<Array<{ id: number; key: string; name: string; sort_order: number }>>('id', 'key', 'name', 'sort_order'),
  );
  const current = all.find((p) => p.key === priorityKey);
  if (!current) return undefined;
  const row = all.find((p) => Number(p.sort_order) > Number(current.sort_order));
  return row && { id: Number(row.id), key: row.key, name: row.name };
}

export async function staffOptions(db: Knex): Promise<Array<{ id: number; name: string }>> {
  return (
    await db('staff_users')
      .where({ is_active: true })
      .orderBy('name')
      .select<Array<{ id: number; name: string }>>('id', 'name')
  ).map((r) => ({ id: Number(r.id), name: r.name }));
}
