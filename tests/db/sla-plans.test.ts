/**
 * The SLA clocks' reads by index, over a few thousand tickets of the benchmark's shape: a
 * change reads a ticket's first and next response by messages(ticket_id, kind, id), not every
 * message of the ticket, and the breach job reads only due, unbreached clocks.
 */
import { seedTickets } from '../../bench/seeding';
import { clientOf } from '../../src/db/dialect';
import { readClockFacts } from '../../src/sla/clock-facts.repo';
import { dueUnbreachedClocks } from '../../src/sla/clocks.repo';
import { listAndCountTickets } from '../../src/tickets/ticket-list.repo';
import { useInstalledApp, type InstalledApp } from '../helpers/installed-app';
import { plansOf } from '../helpers/query-plans';

let app: InstalledApp;
useInstalledApp((a) => (app = a));

beforeAll(async () => {
  await seedTickets(app.db, 3000);
  // Clocks in the shape of a desk that has run a while: most met, a few running, some breached.
  const ids = (await app.db('tickets').orderBy('id').pluck('id')).map(Number);
  const now = Date.now();
  const rows = ids.map((id, i) => ({
    ticket_id: id,
    kind: 'resolution',
    target_ms: 3_600_000,
    started_at: now - 86_400_000,
    used_ms: 0,
    updated_at: now,
    ...(i % 10 === 0
      ? { running_since: now - 3_600_000, due_at: now + (i + 1) * 60_000 }
      : i % 10 === 1
        ? { running_since: now - 7_200_000, due_at: now - 3_600_000, breached_at: now - 3_600_000 }
        : { met_at: now - 1000 }),
  }));
  for (let i = 0; i < rows.length; i += 200) await app.db('sla_clocks').insert(rows.slice(i, i + 200));
  if (clientOf(app.db) === 'mysql') await app.db.raw('ANALYZE TABLE tickets, messages, sla_clocks');
  if (clientOf(app.db) === 'postgres') await app.db.raw('ANALYZE');
}, 300_000);

test('first and next response are point reads of messages(ticket_id, kind, id)', async () => {
  // The ticket with the most messages, where reading them all would cost the most.
  const [busiest] = await app
    .db('messages')
    .groupBy('ticket_id')
    .orderByRaw('count(*) desc')
    .limit(1)
    .select<Array<{ ticket_id: number }>>('ticket_id');
  const facts = await readClockFacts(app.db, Number(busiest!.ticket_id));
  expect(facts).toBeDefined();
  const plans = (await plansOf(app.db, () => readClockFacts(app.db, Number(busiest!.ticket_id)))).filter((p) =>
    /from .messages./.test(p.sql),
  );
  expect(plans.length).toBeGreaterThanOrEqual(1);
  for (const plan of plans) {
    const text = plan.lines.join(' | ');
    expect(text).not.toMatch(/Seq Scan on messages|type=ALL|^SCAN messages/);
    expect(/(avg|count|sum)\(/i.test(plan.sql)).toBe(false);
    // SQLite takes the new index; MariaDB may take (ticket_id, id) for "after the last staff reply", a range as narrow.
    if (clientOf(app.db) === 'sqlite') expect(text).toMatch(/messages_ticket_kind_idx/);
    if (clientOf(app.db) === 'mysql') expect(text).toMatch(/type=(ref|range) key=messages_ticket_(kind_)?idx/);
  }
});

test('the breach job reads due clocks by the (breached_at, due_at) index', async () => {
  const due = await dueUnbreachedClocks(app.db, Date.now(), 200);
  expect(due.length).toBe(0); // the running ones are due later; the breached ones are marked
  const plans = await plansOf(app.db, () => dueUnbreachedClocks(app.db, Date.now(), 200));
  expect(plans).toHaveLength(1);
  const text = plans[0]!.lines.join(' | ');
  expect(text).not.toMatch(/Seq Scan on sla_clocks|type=ALL|^SCAN sla_clocks/);
});

/** The tickets' copy of their soonest running due time, as the clocks' subscriber keeps it. */
async function copyRunningDueTimes(): Promise<void> {
  const running = await app
    .db('sla_clocks')
    .whereNotNull('due_at')
    .select<Array<{ ticket_id: number; due_at: number | string }>>('ticket_id', 'due_at');
  for (const c of running)
    await app
      .db('tickets')
      .where({ id: c.ticket_id })
      .update({ sla_due_at: Number(c.due_at) });
}

test('the list filtered "breached" in SLA order reads the (sla_due_at) range in order, never sorting every breached ticket', async () => {
  const now = Date.now();
  await copyRunningDueTimes();
  await app
    .db('tickets')
    .whereIn('id', app.db('sla_clocks').whereNotNull('breached_at').select('ticket_id'))
    .update({ sla_due_at: now - 3_600_000 });
  if (clientOf(app.db) === 'mysql') await app.db.raw('ANALYZE TABLE tickets');
  const openIds = ((await app.db('statuses').where({ is_open: true }).pluck('id')) as number[]).map(Number);
  const filter = { categories: 'all' as const, statusIds: openIds, sla: { to: now } };
  const { rows, total } = await listAndCountTickets(
    app.db,
    filter,
    { sort: 'sla', dir: 'asc', offset: 0, limit: 25 },
    1000,
  );
  expect(rows.length).toBeGreaterThan(0);
  expect(rows.map((r) => r.slaDueAt)).toEqual([...rows.map((r) => r.slaDueAt)].sort((a, b) => a! - b!));
  expect(total).toBeGreaterThanOrEqual(rows.length);
  const plans = (
    await plansOf(app.db, () =>
      listAndCountTickets(app.db, filter, { sort: 'sla', dir: 'asc', offset: 0, limit: 25 }, 1000),
    )
  ).filter((p) => /order by t\.sla_due_at/i.test(p.sql));
  expect(plans).toHaveLength(1);
  const text = plans[0]!.lines.join(' | ');
  expect(text).not.toMatch(/TEMP B-TREE FOR ORDER BY|Using filesort|type=ALL|Seq Scan on tickets/);
  if (clientOf(app.db) === 'sqlite') expect(text).toMatch(/tickets_sla_due_idx \(sla_due_at<\?\)/);
});

test('every open ticket in SLA order: the running clocks first along the (sla_due_at) range, never through the nulls', async () => {
  await copyRunningDueTimes(); // the test above may have done it already
  if (clientOf(app.db) === 'mysql') await app.db.raw('ANALYZE TABLE tickets');
  const openIds = ((await app.db('statuses').where({ is_open: true }).pluck('id')) as number[]).map(Number);
  const filter = { categories: 'all' as const, statusIds: openIds };
  const clocked = Number(
    (
      await app
        .db('tickets')
        .whereIn('status_id', openIds)
        .whereNull('merged_into_id')
        .whereNotNull('sla_due_at')
        .count<Array<{ n: number }>>({ n: '*' })
    )[0]!.n,
  );
  expect(clocked).toBeGreaterThan(25);
  for (const dir of ['asc', 'desc'] as const) {
    const page = { sort: 'sla' as const, dir, offset: 0, limit: 25 };
    const { rows } = await listAndCountTickets(app.db, filter, page, 1000);
    // A page of due times only, in order: the tickets without a running clock come after all of them.
    const due = rows.map((r) => r.slaDueAt);
    expect(due).toHaveLength(25);
    expect(due.every((d) => d !== null)).toBe(true);
    expect(due).toEqual([...due].sort((a, b) => (dir === 'asc' ? a! - b! : b! - a!)));
    const plans = (await plansOf(app.db, () => listAndCountTickets(app.db, filter, page, 1000))).filter((p) =>
      /order by t\.sla_due_at/i.test(p.sql),
    );
    expect(plans).toHaveLength(1);
    const text = plans[0]!.lines.join(' | ');
    expect(text).not.toMatch(/TEMP B-TREE FOR ORDER BY|Using filesort|type=ALL|Seq Scan on tickets/);
    if (clientOf(app.db) === 'sqlite') expect(text).toMatch(/tickets_sla_due_idx \(sla_due_at>\?\)/);
    if (clientOf(app.db) === 'mysql') expect(text).toMatch(/t type=range key=tickets_sla_due_idx/);
    if (clientOf(app.db) === 'postgres') expect(text).toMatch(/Index Scan (Backward )?using tickets_sla_due_idx/);
  }
  // The last page: the clocked tickets end, the others follow by id.
  const tail = await listAndCountTickets(
    app.db,
    filter,
    { sort: 'sla', dir: 'asc', offset: clocked - 1, limit: 3 },
    1000,
  );
  expect(tail.rows[0]!.slaDueAt).not.toBeNull();
  expect(tail.rows.slice(1).map((r) => r.slaDueAt)).toEqual([null, null]);
  expect(tail.rows[1]!.id).toBeLessThan(tail.rows[2]!.id);
});
