import type { Knex } from 'knex';
import request from 'supertest';
import { createKnex } from '../../src/db/knex-factory';
import { recordSlaBreaches } from '../../src/jobs/sla-breaches';
import { resyncSlaClocks } from '../../src/jobs/sla-resync';
import { csrfFrom, useInstalledApp, type InstalledApp } from '../helpers/installed-app';
import { openTicket } from '../helpers/portal';
import { testPool } from '../helpers/test-db';
import { utc, setClock as moveClock, signedInAdmin } from '../helpers/sla';

let t: InstalledApp;
useInstalledApp((app) => (t = app), { freshRateLimits: true });

const MIN = 60_000;
const setClock = (at: number) => moveClock(t, at);
const hidden = (html: string, name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1] ?? '';

const admin = () => signedInAdmin(t);

type Raw = {
  due_at: number | string | null;
  running_since: number | string | null;
  met_at: number | string | null;
  stopped_at: number | string | null;
  breached_at: number | string | null;
  used_ms: number | string;
};
const n = (v: number | string | null) => (v === null ? null : Number(v));
const clock = async (ticketId: number, kind: string) => {
  const row = await t
    .db('sla_clocks')
    .where({ ticket_id: ticketId, kind })
    .first<Raw | undefined>('due_at', 'running_since', 'met_at', 'stopped_at', 'breached_at', 'used_ms');
  return (
    row && {
      dueAt: n(row.due_at),
      running: row.running_since !== null,
      metAt: n(row.met_at),
      stoppedAt: n(row.stopped_at),
      breachedAt: n(row.breached_at),
      usedMs: Number(row.used_ms),
    }
  );
};
const slaEvents = async (ticketId: number) =>
  (
    await t
      .db('ticket_events')
      .where({ ticket_id: ticketId })
      .andWhere('type', 'like', 'sla.%')
      .orderBy('id')
      .select<Array<{ type: string; data: string }>>('type', 'data')
  ).map((e): { type: string; kind?: unknown } & Record<string, unknown> => ({
    type: e.type,
    ...(JSON.parse(e.data) as Record<string, unknown>),
  }));

/** An urgent ticket opened at `at` (the customer's agent, its tracking ID and id). */
async function urgentTicket(at: number) {
  setClock(at - 5000); // the form helper waits five seconds before sending
  const customer = request.agent(t.app);
  const tracking = await openTicket(t, customer, { subject: `SLA ${at}`, email: `c${at}@example.net` }); // one customer each: a customer may have only so many open tickets
  const id = Number((await t.db('tickets').where({ tracking_id: tracking }).first<{ id: number }>('id'))!.id);
  const { agent, token } = await admin();
  await agent
    .post(`/admin/tickets/${id}/properties`)
    .type('form')
    .send({ _csrf: token, priority: 'urgent' })
    .expect(303);
  return { customer, tracking, id, staff: { agent, token } };
}
const setStatus = async (id: number, status: string) => {
  const { agent, token } = await admin();
  await agent.post(`/admin/tickets/${id}/properties`).type('form').send({ _csrf: token, status }).expect(303);
};
const staffReply = async (id: number, status = 'replied') => {
  const { agent, token } = await admin();
  await agent
    .post(`/admin/tickets/${id}/reply?_csrf=${encodeURIComponent(token)}`)
    .field('message', 'Looking into it.')
    .field('status', status)
    .expect(303);
};

let officeId = 0;
/** A second process's connections to the same database. */
let other: Knex;
afterAll(async () => other?.destroy());
beforeAll(async () => {
  other = createKnex(t.config.database, t.config.paths.data, testPool);
  setClock(utc(2026, 11, 30, 8));
  const { agent, token } = await admin();
  const urgent = Number((await t.db('priorities').where({ key: 'urgent' }).first<{ id: number }>('id'))!.id);
  await agent
    .post('/admin/sla/calendars')
    .type('form')
    .send({
      _csrf: token,
      name: 'Office',
      time_zone: 'Europe/Bratislava',
      mon: '09:00-17:00',
      tue: '09:00-17:00',
      wed: '09:00-17:00',
      thu: '09:00-17:00',
      fri: '09:00-17:00',
    })
    .expect(303);
  officeId = Number((await t.db('sla_calendars').where({ name: 'Office' }).first<{ id: number }>('id'))!.id);
  await agent
    .post('/admin/sla/policies')
    .type('form')
    .send({
      _csrf: token,
      name: 'Urgent',
      position: '1',
      [`first_${urgent}`]: '1:00',
      [`next_${urgent}`]: '2:00',
      [`resolution_${urgent}`]: '8:00',
      is_active: 'yes',
    })
    .expect(303);
  // Let the job take in the edits above, so the later tests start from a synced desk.
  await resyncSlaClocks(t.services);
});

test('closing without a reply stops the first-response clock unmet; reopening resumes it with the business time it had left', async () => {
  const { id } = await urgentTicket(utc(2026, 12, 7, 8)); // Monday 09:00 in Bratislava
  setClock(utc(2026, 12, 7, 8, 30));
  await setStatus(id, 'closed');
  expect(await clock(id, 'first')).toEqual({
    dueAt: null,
    running: false,
    metAt: null,
    stoppedAt: utc(2026, 12, 7, 8, 30),
    breachedAt: null,
    usedMs: 30 * MIN,
  });
  expect(await slaEvents(id)).toEqual([{ type: 'sla.met', kind: 'resolution', late: false }]);
  const page = (await (await admin()).agent.get(`/admin/tickets/${id}`).expect(200)).text;
  expect(page).toContain('sla-clock--stopped');
  expect(page).toContain('stopped unmet');
  expect(await t.db('tickets').where({ id }).first('sla_due_at')).toEqual({ sla_due_at: null });

  setClock(utc(2026, 12, 8, 8)); // Tuesday 09:00 local
  await setStatus(id, 'open');
  expect(await clock(id, 'first')).toMatchObject({
    running: true,
    stoppedAt: null,
    metAt: null,
    usedMs: 30 * MIN,
    dueAt: utc(2026, 12, 8, 8, 30),
  });
  expect(await clock(id, 'resolution')).toMatchObject({
    running: true,
    metAt: null,
    usedMs: 30 * MIN,
    dueAt: utc(2026, 12, 8, 15, 30),
  });
});

test('closing with an unanswered customer message stops the next-response clock; it is not recorded as met', async () => {
  const { id, customer, tracking } = await urgentTicket(utc(2026, 12, 9, 8));
  setClock(utc(2026, 12, 9, 8, 10));
  await staffReply(id);
  setClock(utc(2026, 12, 9, 8, 20));
  const page = (await customer.get(`/helpdesk/tickets/${tracking}`).expect(200)).text;
  await customer
    .post(`/helpdesk/tickets/${tracking}/reply?_csrf=${encodeURIComponent(csrfFrom(page))}`)
    .field('submission_key', hidden(page, 'submission_key'))
    .field('message', 'Still broken.')
    .expect(303);
  expect(await clock(id, 'next')).toMatchObject({ running: true, dueAt: utc(2026, 12, 9, 10, 20) });
  setClock(utc(2026, 12, 9, 8, 30));
  await setStatus(id, 'closed');
  expect(await clock(id, 'next')).toMatchObject({
    running: false,
    metAt: null,
    stoppedAt: utc(2026, 12, 9, 8, 30),
    usedMs: 10 * MIN,
  });
  expect((await slaEvents(id)).filter((e) => e.kind === 'next')).toEqual([]);
});

test('a clock overdue when the ticket is closed is breached once at its due time; reopening does not breach it again', async () => {
  const { id } = await urgentTicket(utc(2026, 12, 10, 8));
  setClock(utc(2026, 12, 10, 9, 30)); // half an hour past the first response's due time, the job has not run
  await setStatus(id, 'closed');
  expect(await clock(id, 'first')).toMatchObject({
    stoppedAt: utc(2026, 12, 10, 9, 30),
    breachedAt: utc(2026, 12, 10, 9),
  });
  await recordSlaBreaches(t);
  setClock(utc(2026, 12, 10, 10));
  await setStatus(id, 'open');
  expect(await clock(id, 'first')).toMatchObject({
    running: true,
    dueAt: utc(2026, 12, 10, 10),
    breachedAt: utc(2026, 12, 10, 9),
  });
  setClock(utc(2026, 12, 10, 11));
  await recordSlaBreaches(t);
  expect((await slaEvents(id)).filter((e) => e.type === 'sla.breached')).toEqual([
    { type: 'sla.breached', kind: 'first', dueAt: utc(2026, 12, 10, 9) },
  ]);
});

test("merging stops the merged ticket's clocks (kept as history); the surviving ticket keeps its own", async () => {
  const source = await urgentTicket(utc(2026, 12, 11, 8));
  const target = await urgentTicket(utc(2026, 12, 11, 8, 5));
  setClock(utc(2026, 12, 11, 8, 20));
  const { agent, token } = await admin();
  await agent
    .post(`/admin/tickets/${source.id}/merge`)
    .type('form')
    .send({ _csrf: token, target: target.tracking, confirm: 'yes' })
    .expect(303);
  expect(
    Number(
      (await t.db('tickets').where({ id: source.id }).first<{ merged_into_id: number }>('merged_into_id'))!
        .merged_into_id,
    ),
  ).toBe(target.id);
  expect(await clock(source.id, 'first')).toMatchObject({
    running: false,
    stoppedAt: utc(2026, 12, 11, 8, 20),
    usedMs: 20 * MIN,
    metAt: null,
  });
  expect(await clock(source.id, 'resolution')).toMatchObject({
    running: false,
    stoppedAt: utc(2026, 12, 11, 8, 20),
    metAt: null,
  });
  expect(await t.db('tickets').where({ id: source.id }).first('sla_due_at')).toEqual({ sla_due_at: null });
  expect(await clock(target.id, 'first')).toMatchObject({ running: true, dueAt: utc(2026, 12, 11, 9, 5) });
  // The merged ticket's stopped clocks never breach.
  setClock(utc(2026, 12, 11, 12));
  await recordSlaBreaches(t);
  expect((await t.db('sla_clocks').where({ ticket_id: source.id }).whereNotNull('breached_at')).length).toBe(0);
});

test('a late reply and the breach job in two processes racing on one database record the breach once', async () => {
  const ids: number[] = [];
  for (let i = 0; i < 4; i++) ids.push((await urgentTicket(utc(2026, 12, 14, 8, i))).id);
  setClock(utc(2026, 12, 14, 9, 30)); // every first response is overdue, none marked yet
  const staff = await admin();
  await Promise.all([
    ...ids.map((id) =>
      staff.agent
        .post(`/admin/tickets/${id}/reply?_csrf=${encodeURIComponent(staff.token)}`)
        .field('message', 'Sorry.')
        .field('status', 'replied')
        .expect(303),
    ),
    recordSlaBreaches(t, { batch: 1 }),
    recordSlaBreaches({ db: other, clock: t.clock }, { batch: 2 }),
  ]);
  for (const [i, id] of ids.entries()) {
    const events = await slaEvents(id);
    expect(events.filter((e) => e.type === 'sla.breached')).toEqual([
      { type: 'sla.breached', kind: 'first', dueAt: utc(2026, 12, 14, 9, i) },
    ]);
    expect(events.filter((e) => e.type === 'sla.met' && e.kind === 'first')).toEqual([
      { type: 'sla.met', kind: 'first', late: true },
    ]);
    expect(await clock(id, 'first')).toMatchObject({
      breachedAt: utc(2026, 12, 14, 9, i),
      metAt: utc(2026, 12, 14, 9, 30),
    });
  }
  expect(await recordSlaBreaches(t)).toBe(0);
});

test("a calendar edit moves the open tickets' due times once the resync job ran; two runs side by side do the work once", async () => {
  const a = await urgentTicket(utc(2026, 12, 21, 8)); // Monday 09:00 local: first response due 10:00 local
  const b = await urgentTicket(utc(2026, 12, 21, 8, 1));
  await setStatus(b.id, 'closed');
  expect((await clock(a.id, 'first'))!.dueAt).toBe(utc(2026, 12, 21, 9));
  setClock(utc(2026, 12, 21, 8, 30));
  const { agent, token } = await admin();
  // Monday now opens at 10:00: the hour before does not count any more.
  await agent
    .post(`/admin/sla/calendars/${officeId}`)
    .type('form')
    .send({
      _csrf: token,
      name: 'Office',
      time_zone: 'Europe/Bratislava',
      mon: '10:00-17:00',
      tue: '09:00-17:00',
      wed: '09:00-17:00',
      thu: '09:00-17:00',
      fri: '09:00-17:00',
    })
    .expect(303);
  expect((await clock(a.id, 'first'))!.dueAt).toBe(utc(2026, 12, 21, 9)); // not before the job
  const open = Number(
    (
      await t
        .db('tickets as t')
        .join('statuses as s', 's.id', 't.status_id')
        .where('s.is_open', true)
        .whereNull('t.merged_into_id')
        .count<{ n: number }[]>({ n: '*' })
    )[0]!.n,
  );
  const runs = await Promise.all([
    resyncSlaClocks(t.services, { batch: 2 }),
    resyncSlaClocks({ db: other, clock: t.clock, logger: t.services.logger }, { batch: 2 }),
  ]);
  expect(runs.sort()).toEqual([0, open]);
  expect((await clock(a.id, 'first'))!.dueAt).toBe(utc(2026, 12, 21, 10));
  expect(
    Number((await t.db('tickets').where({ id: a.id }).first<{ sla_due_at: number }>('sla_due_at'))!.sla_due_at),
  ).toBe(utc(2026, 12, 21, 10));
  // The closed ticket's stopped clock is left alone; nothing more to do until the next edit.
  expect(await clock(b.id, 'first')).toMatchObject({ stoppedAt: utc(2026, 12, 21, 8, 1) });
  expect(await resyncSlaClocks(t.services)).toBe(0);
});

test('a resync pass cut short goes on from its cursor; an edit during the pass starts it again for the newest revision', async () => {
  const { agent, token } = await admin();
  const edit = async (mon: string) =>
    agent
      .post(`/admin/sla/calendars/${officeId}`)
      .type('form')
      .send({
        _csrf: token,
        name: 'Office',
        time_zone: 'Europe/Bratislava',
        mon,
        tue: '09:00-17:00',
        wed: '09:00-17:00',
        thu: '09:00-17:00',
        fri: '09:00-17:00',
      })
      .expect(303);
  await edit('09:00-17:00');
  const first = await resyncSlaClocks(t.services, { batch: 1, budgetMs: 0 });
  expect(first).toBe(1);
  const state = await t.db('resync_passes').where({ name: 'sla-resync' }).first<{
    cursor: number | string;
    leased_by: string | null;
    revision: number | string;
    synced_revision: number | string;
  }>('cursor', 'leased_by', 'revision', 'synced_revision');
  expect(state!.leased_by).toBeNull();
  expect(Number(state!.cursor)).toBeGreaterThan(0);
  expect(Number(state!.synced_revision)).toBeLessThan(Number(state!.revision));
  await edit('10:00-17:00');
  const rest = await resyncSlaClocks(t.services, { budgetMs: 600_000 }); // one pass to the end, however loaded the machine
  const open = Number(
    (
      await t
        .db('tickets as t')
        .join('statuses as s', 's.id', 't.status_id')
        .where('s.is_open', true)
        .whereNull('t.merged_into_id')
        .count<{ n: number }[]>({ n: '*' })
    )[0]!.n,
  );
  expect(rest).toBe(open); // started again from the first ticket
  const done = await t
    .db('resync_passes')
    .where({ name: 'sla-resync' })
    .first<{ revision: number | string; synced_revision: number | string }>('revision', 'synced_revision');
  expect(Number(done!.synced_revision)).toBe(Number(done!.revision));
});

test('marking a status as pausing pauses the clocks of the open tickets in it once the resync job ran', async () => {
  const { agent, token } = await admin();
  await agent
    .post('/admin/statuses')
    .type('form')
    .send({ _csrf: token, name_en: 'With the vendor', color: '#123456', sort_order: '6', counts_as: 'open' })
    .expect(303);
  const status = (await t
    .db('statuses')
    .where({ name: 'With the vendor' })
    .first<{ id: number; key: string }>('id', 'key'))!;
  const { id } = await urgentTicket(utc(2026, 12, 22, 8)); // Tuesday 09:00 local
  await setStatus(id, status.key);
  expect(await clock(id, 'resolution')).toMatchObject({ running: true });
  await resyncSlaClocks(t.services); // nothing pending: a status edit that changes nothing about the clocks counts no revision
  setClock(utc(2026, 12, 22, 9));
  const again = await admin(); // the first session idled out while the clock moved on
  await again.agent
    .post(`/admin/statuses/${status.id}`)
    .type('form')
    .send({
      _csrf: again.token,
      name_en: 'With the vendor',
      color: '#123456',
      sort_order: '6',
      counts_as: 'open',
      pauses_sla: 'yes',
    })
    .expect(303);
  expect(await clock(id, 'resolution')).toMatchObject({ running: true });
  expect(await resyncSlaClocks(t.services)).toBeGreaterThan(0);
  expect(await clock(id, 'resolution')).toMatchObject({ running: false, dueAt: null, usedMs: 60 * MIN });
});

test('the breach job catches up a batch at a time and stops when its time budget is spent', async () => {
  const a = await urgentTicket(utc(2026, 12, 23, 8));
  const b = await urgentTicket(utc(2026, 12, 23, 8, 1));
  setClock(utc(2026, 12, 23, 10));
  expect(await recordSlaBreaches(t, { batch: 1, budgetMs: 0 })).toBe(1);
  expect(await recordSlaBreaches(t, { batch: 1 })).toBeGreaterThanOrEqual(1);
  expect(await recordSlaBreaches(t, { batch: 1 })).toBe(0);
  for (const id of [a.id, b.id]) expect((await clock(id, 'first'))!.breachedAt).not.toBeNull();
});
