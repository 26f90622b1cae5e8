import request from 'supertest';
import { runAutoClose } from '../../src/jobs/auto-close';
import { resyncAutoClose } from '../../src/jobs/auto-close-resync';
import { failedRowBackoffMs, runLeasedBatch } from '../../src/jobs/job-lease';
import { runDueJobs } from '../../src/jobs/job-runner';
import { resyncSlaClocks } from '../../src/jobs/sla-resync';
import { runSlaEscalations } from '../../src/jobs/sla-escalations';
import { bumpResyncRevision } from '../../src/jobs/resync-pass.repo';
import { withTransaction } from '../../src/db/transaction';
import { adminCredentials, signIn, useInstalledApp, type InstalledApp } from '../helpers/installed-app';
import { openTicket } from '../helpers/portal';
import { utc, setClock as moveClock, signedInAdmin } from '../helpers/sla';

/** The rows (ticket ids, clock ids) whose step throws, and the jobs that throw as a whole. */
const mockBroken = { tickets: new Set<number>(), clocks: new Set<number>(), resync: false };
const boom = () => Promise.reject(new Error('broken row'));
jest.mock('../../src/auto-close/auto-close.service', () => {
  const actual = jest.requireActual<typeof import('../../src/auto-close/auto-close.service')>(
    '../../src/auto-close/auto-close.service',
  );
  return {
    ...actual,
    autoCloseTicket: (deps: never, due: { ticketId: number; closeAt: number }, now: number) =>
      mockBroken.tickets.has(due.ticketId) ? boom() : actual.autoCloseTicket(deps, due, now),
  };
});
jest.mock('../../src/sla/escalations.service', () => {
  const actual = jest.requireActual<typeof import('../../src/sla/escalations.service')>(
    '../../src/sla/escalations.service',
  );
  return {
    ...actual,
    escalateDueClock: (deps: never, due: { clockId: number; nextAt: number }, now: number) =>
      mockBroken.clocks.has(due.clockId) ? boom() : actual.escalateDueClock(deps, due, now),
  };
});
jest.mock('../../src/sla/sla-clocks', () => {
  const actual = jest.requireActual<typeof import('../../src/sla/sla-clocks')>('../../src/sla/sla-clocks');
  return {
    ...actual,
    syncTicketClocks: (trx: never, ticketId: number, now: number) =>
      mockBroken.tickets.has(ticketId) ? boom() : actual.syncTicketClocks(trx, ticketId, now),
  };
});
jest.mock('../../src/jobs/sla-resync', () => {
  const actual = jest.requireActual<typeof import('../../src/jobs/sla-resync')>('../../src/jobs/sla-resync');
  return {
    ...actual,
    resyncSlaClocks: (...args: Parameters<typeof actual.resyncSlaClocks>) =>
      mockBroken.resync ? boom() : actual.resyncSlaClocks(...args),
  };
});

let t: InstalledApp;
useInstalledApp((app) => (t = app), { freshRateLimits: true });

const DAY = 86_400_000;
const MIN = 60_000;
const setClock = (at: number) => moveClock(t, at);
let policyId = 0;
let adminId = 0;

const admin = () => signedInAdmin(t);

async function newTicket(subject: string): Promise<number> {
  setClock(t.clock.now() + 5000); // the form helper waits five seconds before sending
  const tracking = await openTicket(t, request.agent(t.app), { subject });
  return Number((await t.db('tickets').where({ tracking_id: tracking }).first<{ id: number }>('id'))!.id);
}
async function urgentTicket(subject: string): Promise<number> {
  const id = await newTicket(subject);
  const { agent, token } = await admin();
  await agent
    .post(`/admin/tickets/${id}/properties`)
    .type('form')
    .send({ _csrf: token, priority: 'urgent' })
    .expect(303);
  return id;
}
async function answeredTicket(subject: string): Promise<number> {
  const id = await newTicket(subject);
  const { agent, token } = await admin();
  await agent
    .post(`/admin/tickets/${id}/reply?_csrf=${encodeURIComponent(token)}`)
    .field('message', 'Does it work now?')
    .field('status', 'replied')
    .expect(303);
  return id;
}
const clockIdOf = async (ticketId: number) =>
  Number(
    (await t.db('sla_escalation_due').where({ ticket_id: ticketId }).first<{ clock_id: number }>('clock_id'))!.clock_id,
  );
const nextAtOf = async (ticketId: number) => {
  const row = await t
    .db('sla_escalation_due')
    .where({ ticket_id: ticketId })
    .first<{ next_at: number | string } | undefined>('next_at');
  return row ? Number(row.next_at) : null;
};
const closeAtOf = async (ticketId: number) => {
  const row = await t
    .db('ticket_auto_close')
    .where({ ticket_id: ticketId })
    .first<{ close_at: number | string } | undefined>('close_at');
  return row ? Number(row.close_at) : null;
};
const escalated = async (ticketId: number) =>
  Number(
    (
      await t
        .db('ticket_events')
        .where({ ticket_id: ticketId, type: 'sla.escalated' })
        .count<Array<{ n: number }>>({ n: '*' })
    )[0]!.n,
  );
const statusOf = async (id: number) =>
  (await t
    .db('tickets as t')
    .join('statuses as s', 's.id', 't.status_id')
    .where('t.id', id)
    .first<{ key: string }>('s.key'))!.key;
const addLevel = async (percent: string) => {
  const { agent, token } = await admin();
  await agent
    .post(`/admin/sla/policies/${policyId}/escalations`)
    .type('form')
    .send({
      _csrf: token,
      level_kind: 'first',
      level_percent: percent,
      level_action: 'notify_staff',
      level_staff: String(adminId),
    })
    .expect(303);
  return Number(
    (await t
      .db('sla_escalation_levels')
      .where({ policy_id: policyId, at_percent: Number(percent) })
      .first<{ id: number }>('id'))!.id,
  );
};

beforeAll(async () => {
  setClock(utc(2026, 12, 1, 6));
  const { agent, token } = await admin();
  const urgent = Number((await t.db('priorities').where({ key: 'urgent' }).first<{ id: number }>('id'))!.id);
  adminId = Number(
    (await t.db('staff_users').where({ email: adminCredentials.email }).first<{ id: number }>('id'))!.id,
  );
  await agent
    .post('/admin/sla/policies')
    .type('form')
    .send({
      _csrf: token,
      name: 'Urgent',
      position: '1',
      [`first_${urgent}`]: '1:00',
      [`resolution_${urgent}`]: '8:00',
      is_active: 'yes',
    })
    .expect(303);
  policyId = Number((await t.db('sla_policies').first<{ id: number }>('id'))!.id);
  await addLevel('80');
  await resyncSlaClocks(t.services);
});

afterEach(() => {
  mockBroken.tickets.clear();
  mockBroken.clocks.clear();
  mockBroken.resync = false;
});

test('an escalation that throws for one clock: the others fire, the bad one waits its backoff and fires later', async () => {
  const [a, b, c] = [await urgentTicket('Heal A'), await urgentTicket('Heal B'), await urgentTicket('Heal C')];
  mockBroken.clocks.add(await clockIdOf(a));
  setClock(t.clock.now() + 2 * 3600_000);
  expect(await runSlaEscalations(t.services)).toBe(2);
  expect([await escalated(a), await escalated(b), await escalated(c)]).toEqual([0, 1, 1]);
  expect(await nextAtOf(a)).toBe(t.clock.now() + failedRowBackoffMs);
  // Not tried again before its time, even when it works again.
  mockBroken.clocks.clear();
  setClock(t.clock.now() + failedRowBackoffMs - MIN);
  expect(await runSlaEscalations(t.services)).toBe(0);
  setClock(t.clock.now() + 2 * MIN);
  expect(await runSlaEscalations(t.services)).toBe(1);
  expect(await escalated(a)).toBe(1);
});

test('an auto-close that throws for one ticket: the tickets after it close, the bad one closes after its backoff', async () => {
  const [a, b] = [await answeredTicket('Close A'), await answeredTicket('Close B')];
  mockBroken.tickets.add(a);
  setClock(t.clock.now() + 8 * DAY);
  expect(await runAutoClose({ ...t.services, signingSecret: t.config.secrets.signing })).toBeGreaterThanOrEqual(1);
  expect([await statusOf(a), await statusOf(b)]).toEqual(['replied', 'closed']);
  expect(await closeAtOf(a)).toBe(t.clock.now() + failedRowBackoffMs);
  mockBroken.tickets.clear();
  setClock(t.clock.now() + failedRowBackoffMs);
  expect(await runAutoClose({ ...t.services, signingSecret: t.config.secrets.signing })).toBe(1);
  expect(await statusOf(a)).toBe('closed');
});

test('adding or removing a level re-plans the open tickets through the resync job; a ticket that throws is passed and the pass ends', async () => {
  const [a, b] = [await urgentTicket('Plan A'), await urgentTicket('Plan B')];
  const created = t.clock.now();
  expect(await nextAtOf(b)).toBeGreaterThan(created + 40 * MIN); // the 80 % level of one hour
  const level = await addLevel('50');
  mockBroken.tickets.add(a);
  const logged = jest.spyOn(t.services.logger, 'error');
  expect(await resyncSlaClocks(t.services)).toBeGreaterThanOrEqual(1);
  expect(logged).toHaveBeenCalledWith(expect.objectContaining({ ticketId: a }), expect.any(String));
  logged.mockRestore();
  const state = (await t
    .db('resync_passes')
    .where({ name: 'sla-resync' })
    .first<{ revision: number | string; synced_revision: number | string }>('revision', 'synced_revision'))!;
  expect(Number(state.synced_revision)).toBe(Number(state.revision)); // the pass went past the broken ticket
  const planned = (await nextAtOf(b))!;
  expect(planned).toBeLessThanOrEqual(created + 30 * MIN); // now the 50 % level comes first
  expect(planned).toBeGreaterThan(created + 25 * MIN);

  mockBroken.tickets.clear();
  const { agent, token } = await admin();
  await agent
    .post(`/admin/sla/policies/${policyId}/escalations/${level}/delete`)
    .type('form')
    .send({ _csrf: token })
    .expect(303);
  expect(await resyncSlaClocks(t.services)).toBeGreaterThanOrEqual(2);
  expect(await nextAtOf(b)).toBeGreaterThan(created + 40 * MIN);
  expect(await nextAtOf(a)).toBeGreaterThan(created + 40 * MIN);
});

test("tickets waiting from before the upgrade get a closing time, and a change of the desk's days moves the existing ones", async () => {
  const id = await answeredTicket('Waiting since before');
  await t.db('ticket_auto_close').where({ ticket_id: id }).del(); // as if it had been waiting before auto-close existed
  const other = await answeredTicket('Planned already');
  await resyncAutoClose(t.services); // the upgrade's pass (revision 1 from the migration)
  const updatedAt = async (ticketId: number) =>
    Number(
      (await t.db('tickets').where({ id: ticketId }).first<{ updated_at: number | string }>('updated_at'))!.updated_at,
    );
  expect(await closeAtOf(id)).toBe((await updatedAt(id)) + 7 * DAY);
  expect(await resyncAutoClose(t.services)).toBe(0); // nothing changed since

  await t.services.settings.save({ 'tickets.autoCloseDays': 2 });
  expect(await resyncAutoClose(t.services, { batch: 1 })).toBeGreaterThanOrEqual(2);
  expect(await closeAtOf(id)).toBe((await updatedAt(id)) + 2 * DAY);
  expect(await closeAtOf(other)).toBe((await updatedAt(other)) + 2 * DAY);
  await t.services.settings.save({ 'tickets.autoCloseDays': 0 }); // never: the closing times go
  await resyncAutoClose(t.services);
  expect([await closeAtOf(id), await closeAtOf(other)]).toEqual([null, null]);
  await t.services.settings.save({ 'tickets.autoCloseDays': 7 });
  await resyncAutoClose(t.services);
  expect(await closeAtOf(id)).toBe((await updatedAt(id)) + 7 * DAY);

  // The ticket's category gets its own number of days: its waiting tickets follow.
  const categoryId = Number(
    (await t.db('tickets').where({ id }).first<{ category_id: number }>('category_id'))!.category_id,
  );
  const agent = request.agent(t.app);
  await signIn(agent, adminCredentials);
  const page = (await agent.get(`/admin/categories/${categoryId}`).expect(200)).text;
  const form = Object.fromEntries(
    [...page.matchAll(/<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g)].map((m) => [
      m[1]!,
      m[2]!.replace(/&amp;/g, '&'),
    ]),
  );
  await agent
    .post(`/admin/categories/${categoryId}`)
    .type('form')
    .send({ ...form, visibility: 'public', tier: '1', auto_assign: 'none', auto_close_days: '1' })
    .expect(303);
  expect(await resyncAutoClose(t.services)).toBeGreaterThanOrEqual(1);
  expect(await closeAtOf(id)).toBe(Math.max((await updatedAt(id)) + DAY, t.clock.now()));
  await agent
    .post(`/admin/categories/${categoryId}`)
    .type('form')
    .send({ ...form, visibility: 'public', tier: '1', auto_assign: 'none', auto_close_days: '' })
    .expect(303);
  await resyncAutoClose(t.services);
});

test('a job that throws as a whole does not stop the jobs after it in the same run', async () => {
  const id = await answeredTicket('Run on');
  setClock(t.clock.now() + 8 * DAY);
  mockBroken.resync = true;
  const logged = jest.spyOn(t.services.logger, 'error');
  const report = await runDueJobs(t.services);
  expect(logged).toHaveBeenCalledWith(expect.objectContaining({ job: 'sla-resync' }), expect.any(String));
  logged.mockRestore();
  expect(report.slaResynced).toBe(0);
  expect(report.autoClosed).toBeGreaterThanOrEqual(1);
  expect(await statusOf(id)).toBe('closed');
});

test('a row that can neither be done nor moved on ends the run instead of being read again until the budget is spent', async () => {
  let reads = 0;
  const errors: string[] = [];
  const logger = {
    ...t.services.logger,
    error: (_: unknown, msg: string) => void errors.push(msg),
  } as typeof t.services.logger;
  const done = await runLeasedBatch(
    { db: t.db, clock: t.clock, logger },
    {
      name: 'test_stuck_rows',
      leaseMs: MIN,
      batch: 2,
      due: async () => (reads++, [1, 2]),
      step: () => Promise.reject(new Error('step fails')),
      defer: () => Promise.reject(new Error('database gone')),
    },
    undefined,
    Number.POSITIVE_INFINITY,
  );
  expect({ done, reads }).toEqual({ done: 0, reads: 1 });
  expect(errors.filter((m) => m === 'could not move the failed row on')).toHaveLength(2);
});

test('the re-plan walks look at their budget after each batch read, even when the batch held no ticket to re-plan', async () => {
  await answeredTicket('Walk one');
  await answeredTicket('Walk two');
  // Every ticket closed (as most are on a large desk): nothing to re-plan, only tickets to read.
  const closed = (await t.db('statuses').where({ key: 'closed' }).first<{ id: number }>('id'))!.id;
  await t.db('tickets').update({ status_id: closed });
  const ids = (await t.db('tickets').orderBy('id').select<Array<{ id: number | string }>>('id')).map((r) =>
    Number(r.id),
  );
  expect(ids.length).toBeGreaterThanOrEqual(2);
  await withTransaction(t.db, (trx) => bumpResyncRevision(trx, 'sla-resync', t.clock.now()));
  await t.services.settings.save({ 'tickets.autoCloseDays': 3 });
  const cursorOf = async (name: string) =>
    Number((await t.db('resync_passes').where({ name }).first<{ cursor: number | string }>('cursor'))!.cursor);
  expect(await resyncSlaClocks(t.services, { batch: 1, budgetMs: 0 })).toBe(0);
  expect(await cursorOf('sla-resync')).toBe(ids[0]); // one batch of one ticket read, then the spent budget ended the run
  expect(await resyncAutoClose(t.services, { batch: 1, budgetMs: 0 })).toBe(0);
  expect(await cursorOf('auto-close-resync')).toBe(ids[0]);
});
