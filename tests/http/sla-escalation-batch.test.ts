import request from 'supertest';
import { failedRowBackoffMs } from '../../src/jobs/job-lease';
import { escalationBatchFrom, runSlaEscalations } from '../../src/jobs/sla-escalations';
import { escalateDueClocks } from '../../src/sla/escalation-batch';
import { escalateDueClock } from '../../src/sla/escalations.service';
import { dueEscalations } from '../../src/sla/escalation-due.repo';
import { writeSettings } from '../../src/settings/settings.repo';
import { adminCredentials, csrfFrom, signIn, useInstalledApp, type InstalledApp } from '../helpers/installed-app';
import { openTicket } from '../helpers/portal';

/** Tickets whose escalation action throws (in the batch and one by one alike). */
const mockBroken = new Set<number>();
jest.mock('../../src/sla/escalation-actions', () => {
  const actual = jest.requireActual<typeof import('../../src/sla/escalation-actions')>(
    '../../src/sla/escalation-actions',
  );
  return {
    ...actual,
    applyEscalation: (...args: Parameters<typeof actual.applyEscalation>) =>
      mockBroken.has(args[3].ticketId) ? Promise.reject(new Error('broken ticket')) : actual.applyEscalation(...args),
  };
});

// Each test opens up to eleven tickets through the portal form: slow on a loaded machine.
jest.setTimeout(180_000);

let t: InstalledApp;
useInstalledApp((app) => (t = app), { freshRateLimits: true });

const MIN = 60_000;
const HOUR = 3600_000;
const setClock = (at: number) => t.clock.advance(at - t.clock.now());
let adminAgent: request.Agent;
let adminToken = '';
let policyId = 0;
const priorities: Record<string, number> = {};

/** A new admin session: each group of tickets moves the test clock hours on, past the session's timeouts. */
async function signInAdmin(): Promise<void> {
  adminAgent = request.agent(t.app);
  expect((await signIn(adminAgent, adminCredentials)).status).toBe(303);
  adminToken = csrfFrom((await adminAgent.get('/admin/sla').expect(200)).text);
}

async function highTickets(n: number): Promise<number[]> {
  setClock(Math.ceil((t.clock.now() + 1) / MIN) * MIN + HOUR); // a new minute: every ticket of the group (5 s apart) is due in the same one
  await signInAdmin();
  const ids: number[] = [];
  for (let i = 0; i < n; i++) {
    const tracking = await openTicket(t, request.agent(t.app), {
      subject: `Batch escalation ${i}`,
      email: `batch${i}@example.net`,
      message: `Nothing works since ${i} o'clock.`,
    });
    const id = Number((await t.db('tickets').where({ tracking_id: tracking }).first<{ id: number }>('id'))!.id);
    await adminAgent
      .post(`/admin/tickets/${id}/properties`)
      .type('form')
      .send({ _csrf: adminToken, priority: 'high' })
      .expect(303);
    ids.push(id);
  }
  setClock(t.clock.now() + 2 * HOUR); // past every level of the one-hour first response
  await markMails();
  return ids;
}

/** The last mail queued before escalating: a trace compares only what escalating queued. */
let mailsBefore = 0;
const markMails = async () =>
  (mailsBefore = Number((await t.db('mail_outbox').max<Array<{ id: number | null }>>({ id: 'id' }))[0]!.id ?? 0));

type Trace = { events: string[]; mails: string[]; priority: string; ownerId: number | null; done: number };
/** What escalating did to a ticket, with its own ids and tracking ID taken out, to compare tickets. */
async function traceOf(ticketId: number): Promise<Trace> {
  const ticket = (await t
    .db('tickets as t')
    .join('priorities as p', 'p.id', 't.priority_id')
    .where('t.id', ticketId)
    .first<{ tracking_id: string; key: string; owner_id: number | null }>('t.tracking_id', 'p.key', 't.owner_id'))!;
  // The tracking ID also appears in groups (ABC-DE-FGH): any dashes between its characters.
  const tracking = new RegExp([...ticket.tracking_id].join('-?'), 'g');
  const own = (s: string) =>
    s.replace(tracking, 'TRACKING').split(`/tickets/${ticketId}`).join('/tickets/ID').replace(/\d+/g, '#');
  const since = (
    await t
      .db('ticket_events')
      .where({ ticket_id: ticketId, type: 'sla.escalated' })
      .min<Array<{ id: number }>>({ id: 'id' })
  )[0]!.id;
  const events = await t
    .db('ticket_events')
    .where({ ticket_id: ticketId })
    .andWhere('id', '>=', since ?? 0)
    .orderBy('id')
    .select<Array<{ type: string; data: string }>>('type', 'data');
  const mails = await t
    .db('mail_outbox')
    .where({ ticket_id: ticketId })
    .andWhere('id', '>', mailsBefore)
    .orderBy('id')
    .select<Array<{ template: string; to_address: string; subject: string; body_text: string; body_html: string }>>(
      'template',
      'to_address',
      'subject',
      'body_text',
      'body_html',
    );
  const done = Number(
    (await t.db('sla_escalations_done').where({ ticket_id: ticketId }).count<Array<{ n: number }>>({ n: '*' }))[0]!.n,
  );
  return {
    events: events.map((e) => `${e.type} ${own(e.data)}`),
    mails: mails.map((m) => own([m.template, m.to_address, m.subject, m.body_text, m.body_html].join('\n'))),
    priority: ticket.key,
    ownerId: ticket.owner_id === null ? null : Number(ticket.owner_id),
    done,
  };
}
const dueOf = async (ids: number[]) => {
  const clockIds = new Set((await t.db('sla_escalation_due').whereIn('ticket_id', ids).pluck('clock_id')).map(Number));
  return (await dueEscalations(t.db, t.clock.now(), 1000)).filter((d) => clockIds.has(d.clockId));
};

beforeAll(async () => {
  setClock(Date.UTC(2026, 11, 1, 6));
  // Every ticket comes from 127.0.0.1: allow a busy minute's worth an hour.
  await writeSettings(t.db, { 'spam.submissionsPerHour': 1000 }, t.clock.now());
  await signInAdmin();
  const priority = async (key: string) =>
    Number((await t.db('priorities').where({ key }).first<{ id: number }>('id'))!.id);
  const [high, urgent] = [await priority('high'), await priority('urgent')];
  Object.assign(priorities, { high, urgent });
  const adminId = Number(
    (await t.db('staff_users').where({ email: adminCredentials.email }).first<{ id: number }>('id'))!.id,
  );
  await adminAgent
    .post('/admin/sla/policies')
    .type('form')
    .send({
      _csrf: adminToken,
      name: 'High',
      position: '1',
      [`first_${high}`]: '1:00',
      [`first_${urgent}`]: '1:00',
      is_active: 'yes',
    })
    .expect(303);
  policyId = Number((await t.db('sla_policies').first<{ id: number }>('id'))!.id);
  const add = (percent: string, action: string, staff = '') =>
    adminAgent
      .post(`/admin/sla/policies/${policyId}/escalations`)
      .type('form')
      .send({
        _csrf: adminToken,
        level_kind: 'first',
        level_percent: percent,
        level_action: action,
        level_staff: staff,
      })
      .expect(303);
  // Every kind of work in one pass: a mail to a named person, a priority raise, a reassignment and a mail to the new owner.
  await add('50', 'notify_staff', String(adminId));
  await add('80', 'raise_priority');
  await add('100', 'reassign', String(adminId));
  await add('100', 'notify_owner');
});

afterEach(() => mockBroken.clear());

test('a batch with mixed actions does exactly what the one-by-one step does: same history, same mails, same ticket', async () => {
  const ids = await highTickets(6);
  const [batched, single] = [ids.slice(0, 3), ids.slice(3)];
  const now = t.clock.now();
  const outcome = await escalateDueClocks(t.services, await dueOf(batched), now);
  expect(outcome).toEqual({ done: 12, left: [] });
  for (const due of await dueOf(single)) expect(await escalateDueClock(t.services, due, now)).toBe(4);

  const expected = await traceOf(single[0]!);
  expect(expected.events.filter((e) => e.startsWith('sla.escalated'))).toHaveLength(4);
  expect(expected.mails.filter((m) => m.startsWith('staff_sla_warning'))).toHaveLength(2);
  expect(expected).toMatchObject({ priority: 'urgent', done: 4, ownerId: expect.any(Number) });
  for (const id of [...batched, ...single]) expect(await traceOf(id)).toEqual(expected);
});

test('two batches and the one-by-one step over the same due clocks at once: every level acts once', async () => {
  const ids = await highTickets(3);
  const due = await dueOf(ids);
  const now = t.clock.now();
  const results = await Promise.all([
    escalateDueClocks(t.services, due, now).then((r) => r.done),
    escalateDueClocks(t.services, due, now).then((r) => r.done),
    ...due.map((d) => escalateDueClock(t.services, d, now)),
  ]);
  expect(results.reduce((a, b) => a + b, 0)).toBe(12);
  for (const id of ids) {
    const trace = await traceOf(id);
    expect(trace.done).toBe(4);
    expect(trace.events.filter((e) => e.startsWith('sla.escalated'))).toHaveLength(4);
    expect(trace.mails.filter((m) => m.startsWith('staff_sla_warning'))).toHaveLength(2);
  }
});

test('two runs whose batches overlap: the second finds a clock taken, claims the others one by one, and every level acts once', async () => {
  const ids = await highTickets(3);
  // Both runs read the due clocks before either claims them, as two processes do.
  const due = await dueOf(ids);
  const now = t.clock.now();
  const [a, b, c] = due;
  expect(await escalateDueClocks(t.services, [a!, b!], now)).toEqual({ done: 8, left: [] });
  // The second batch's two-statement claim changes two rows of three: undone, then a claim per clock.
  let second: Awaited<ReturnType<typeof escalateDueClocks>> | undefined;
  const singleClaims = await statementsLike(
    /sla_escalation_due. where .clock_id. = (\?|\$1) and .next_at. = (\?|\$2)$/i,
    async () => {
      second = await escalateDueClocks(t.services, [b!, c!], now);
    },
  );
  expect(second).toEqual({ done: 4, left: [] });
  expect(singleClaims).toBe(2);
  const expected = await traceOf(ids[0]!);
  expect(expected).toMatchObject({ priority: 'urgent', done: 4 });
  expect(expected.events.filter((e) => e.startsWith('sla.escalated'))).toHaveLength(4);
  for (const id of ids) expect(await traceOf(id)).toEqual(expected);
});

test('the job batches a busy minute; a ticket whose action throws is passed by the batch and waits its backoff, the others escalate', async () => {
  const ids = await highTickets(escalationBatchFrom + 1);
  const broken = ids[4]!;
  mockBroken.add(broken);
  const warned = jest.spyOn(t.services.logger, 'warn');
  expect(await runSlaEscalations(t.services)).toBe(4 * (ids.length - 1));
  expect(warned).toHaveBeenCalledWith(
    expect.objectContaining({ job: 'sla-escalations' }),
    expect.stringContaining('batch failed'),
  );
  warned.mockRestore();
  for (const id of ids) expect((await traceOf(id)).done).toBe(id === broken ? 0 : 4);
  const [row] = await t
    .db('sla_escalation_due')
    .where({ ticket_id: broken })
    .select<Array<{ next_at: number | string }>>('next_at');
  expect(Number(row!.next_at)).toBe(t.clock.now() + failedRowBackoffMs);

  // Working again after its backoff, it escalates like the others did.
  mockBroken.clear();
  setClock(t.clock.now() + failedRowBackoffMs);
  expect(await runSlaEscalations(t.services)).toBe(4);
  expect(await traceOf(broken)).toEqual(await traceOf(ids[0]!));
});

test('a busy minute without failures is one batch per 50 clocks, with nothing left for the one-by-one step', async () => {
  const ids = await highTickets(escalationBatchFrom);
  const warned = jest.spyOn(t.services.logger, 'warn');
  expect(await runSlaEscalations(t.services)).toBe(4 * ids.length);
  expect(warned).not.toHaveBeenCalled();
  warned.mockRestore();
  for (const id of ids) expect((await traceOf(id)).done).toBe(4);
});

/** A ticket's clocks and schedule, in times relative to its creation, to compare tickets. */
async function clockStateOf(ticketId: number) {
  const ticket = (await t
    .db('tickets')
    .where({ id: ticketId })
    .first<{ created_at: number; sla_due_at: number | null }>('created_at', 'sla_due_at'))!;
  const at = (v: number | string | null) => (v === null ? null : Number(v) - Number(ticket.created_at));
  const clocks = await t
    .db('sla_clocks')
    .where({ ticket_id: ticketId })
    .orderBy('kind')
    .select<Array<Record<string, number | string | null>>>(
      'id',
      'kind',
      'target_ms',
      'used_ms',
      'started_at',
      'running_since',
      'due_at',
      'met_at',
      'breached_at',
    );
  const schedule = await t
    .db('sla_escalation_due')
    .where({ ticket_id: ticketId })
    .select<Array<{ clock_id: number; next_at: number | string }>>('clock_id', 'next_at');
  return {
    slaDueAt: at(ticket.sla_due_at),
    clocks: clocks.map((c) => ({
      kind: c.kind,
      target: Number(c.target_ms),
      used: Number(c.used_ms),
      ...Object.fromEntries(
        ['started_at', 'running_since', 'due_at', 'met_at', 'breached_at'].map((k) => [k, at(c[k]!)]),
      ),
      nextAt: at(schedule.find((r) => Number(r.clock_id) === Number(c.id))?.next_at ?? null),
    })),
  };
}

/** How many statements `run` sent that match `pattern`. */
async function statementsLike(pattern: RegExp, run: () => Promise<unknown>): Promise<number> {
  let reads = 0;
  const listen = (q: { sql: string }) => void (pattern.test(q.sql) && (reads += 1));
  t.db.on('query', listen);
  try {
    await run();
  } finally {
    t.db.removeListener('query', listen);
  }
  return reads;
}
/** How many times `run` read the policy list (each clock re-sync reads it once). */
const policyListReads = (run: () => Promise<unknown>) => statementsLike(/from .sla_policies. order by/i, run);
/** How many ticket UPDATEs that set a priority `run` sent. */
const priorityUpdates = (run: () => Promise<unknown>) => statementsLike(/^update .tickets. set .priority_id./i, run);

describe('raises that are the last change of their tickets', () => {
  beforeAll(async () => {
    await signInAdmin();
    // The urgent target is shorter than the time gone at 80 %: the re-sync after the raise retargets the clock.
    await adminAgent
      .post(`/admin/sla/policies/${policyId}`)
      .type('form')
      .send({
        _csrf: adminToken,
        name: 'High',
        position: '1',
        [`first_${priorities.high}`]: '1:00',
        [`first_${priorities.urgent}`]: '0:20',
        is_active: 'yes',
      })
      .expect(303);
    const later = await t.db('sla_escalation_levels').where({ policy_id: policyId, at_percent: 100 }).pluck('id');
    for (const level of later)
      await adminAgent
        .post(`/admin/sla/policies/${policyId}/escalations/${level}/delete`)
        .type('form')
        .send({ _csrf: adminToken })
        .expect(303);
  });

  test('the batch raises them in one UPDATE and re-syncs them together at its end: one policy read, and clocks, schedule and history as one by one', async () => {
    const ids = await highTickets(6);
    const [batched, single] = [ids.slice(0, 3), ids.slice(3)];
    const now = t.clock.now();
    const due = await dueOf(batched);
    let updates = 0;
    expect(
      await policyListReads(
        async () =>
          (updates = await priorityUpdates(async () =>
            expect(await escalateDueClocks(t.services, due, now)).toEqual({ done: 6, left: [] }),
          )),
      ),
    ).toBe(1);
    expect(updates).toBe(1);
    let singleReads = 0;
    for (const d of await dueOf(single))
      singleReads += await policyListReads(async () => expect(await escalateDueClock(t.services, d, now)).toBe(2));
    expect(singleReads).toBe(3);

    const expected = await traceOf(single[0]!);
    expect(expected.events.map((e) => e.split(' ')[0])).toEqual([
      'sla.escalated',
      'ticket.priority_changed',
      'sla.escalated',
    ]);
    expect(expected).toMatchObject({ priority: 'urgent', done: 2 });
    const expectedClocks = await clockStateOf(single[0]!);
    // Retargeted to the urgent 20 minutes, long gone: the breach job marks it next.
    expect(expectedClocks.clocks).toEqual([
      expect.objectContaining({ kind: 'first', target: 20 * MIN, due_at: 20 * MIN, breached_at: null }),
    ]);
    for (const id of [...batched, ...single]) {
      expect(await traceOf(id)).toEqual(expected);
      expect(await clockStateOf(id)).toEqual(expectedClocks);
    }
  });
});
