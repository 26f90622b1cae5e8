import request from 'supertest';
import { runSlaEscalations } from '../../src/jobs/sla-escalations';
import { escalateDueClock } from '../../src/sla/escalations.service';
import { dueEscalations } from '../../src/sla/escalation-due.repo';
import {
  adminCredentials,
  csrfFrom,
  signIn,
  staffCredentials,
  useInstalledApp,
  type InstalledApp,
} from '../helpers/installed-app';
import { openTicket } from '../helpers/portal';

let t: InstalledApp;
useInstalledApp((app) => (t = app), { freshRateLimits: true });

const utc = (y: number, mo: number, d: number, h = 0, mi = 0) => Date.UTC(y, mo - 1, d, h, mi);
const setClock = (at: number) => t.clock.advance(at - t.clock.now());
let policyId = 0;
let samId = 0;
let adminId = 0;

async function admin() {
  const agent = request.agent(t.app);
  expect((await signIn(agent, adminCredentials)).status).toBe(303);
  return { agent, token: csrfFrom((await agent.get('/admin/sla').expect(200)).text) };
}

async function newUrgentTicket(at: number): Promise<number> {
  setClock(at - 5000); // the form helper waits five seconds before sending
  const tracking = await openTicket(t, request.agent(t.app), { subject: `Escalation ${at}` });
  const id = Number((await t.db('tickets').where({ tracking_id: tracking }).first<{ id: number }>('id'))!.id);
  const { agent, token } = await admin();
  await agent
    .post(`/admin/tickets/${id}/properties`)
    .type('form')
    .send({ _csrf: token, priority: 'urgent' })
    .expect(303);
  return id;
}

const escalationEvents = async (ticketId: number) =>
  (
    await t
      .db('ticket_events')
      .where({ ticket_id: ticketId, type: 'sla.escalated' })
      .orderBy('id')
      .select<Array<{ data: string }>>('data')
  ).map((e) => JSON.parse(e.data) as Record<string, unknown>);
const warnings = async (ticketId: number) =>
  t
    .db('mail_outbox')
    .where({ template: 'staff_sla_warning' })
    .andWhere('subject', 'like', `%Escalation%`)
    .select<Array<{ to_address: string; subject: string; body_text: string }>>('to_address', 'subject', 'body_text')
    .then((rows) => rows.filter((r) => r.body_text.includes(`/admin/tickets/${ticketId}`)));
/** Two processes of the desk, each with its own lease holder, running the job side by side. */
const twoProcesses = async () =>
  (
    await Promise.all([
      runSlaEscalations(t.services, { holder: 'web-1' }),
      runSlaEscalations(t.services, { holder: 'cron-1' }),
    ])
  ).reduce((a, b) => a + b, 0);

beforeAll(async () => {
  setClock(utc(2026, 11, 30, 8));
  const { agent, token } = await admin();
  const urgent = Number((await t.db('priorities').where({ key: 'urgent' }).first<{ id: number }>('id'))!.id);
  samId = Number((await t.db('staff_users').where({ email: staffCredentials.email }).first<{ id: number }>('id'))!.id);
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
  adminId = Number(
    (await t.db('staff_users').where({ email: adminCredentials.email }).first<{ id: number }>('id'))!.id,
  );
  const add = (level: Record<string, string>) =>
    agent
      .post(`/admin/sla/policies/${policyId}/escalations`)
      .type('form')
      .send({ _csrf: token, ...level });
  expect(
    (
      await add({
        level_kind: 'first',
        level_percent: '80',
        level_action: 'notify_staff',
        level_staff: String(adminId),
      })
    ).headers.location,
  ).toBe(`/admin/sla/policies/${policyId}?done=levelAdded#escalations`);
  await add({
    level_kind: 'first',
    level_percent: '100',
    level_action: 'reassign',
    level_staff: String(adminId),
  }).expect(303);
  await add({ level_kind: 'first', level_percent: '100', level_action: 'raise_priority', level_staff: '' }).expect(303);
});

test('a ticket at 17:55 on Friday: Monday at 9:48 the named person is warned, at 10:00 it is reassigned, each exactly once with two processes', async () => {
  const id = await newUrgentTicket(utc(2026, 12, 4, 16, 55)); // Friday 17:55 in Bratislava; due Monday 10:00 local
  // The job reads a schedule kept by index: the 80 % level of one business hour is 9:48 local.
  const [schedule] = await t
    .db('sla_escalation_due')
    .where({ ticket_id: id })
    .select<Array<{ next_at: number | string }>>('next_at');
  expect(Number(schedule!.next_at)).toBe(utc(2026, 12, 7, 8, 48));

  setClock(utc(2026, 12, 7, 8, 47));
  expect(await twoProcesses()).toBe(0);
  setClock(utc(2026, 12, 7, 8, 49));
  expect(await twoProcesses()).toBe(1);
  expect(await twoProcesses()).toBe(0);
  const mails = await warnings(id);
  expect(mails).toHaveLength(1);
  expect(mails[0]).toMatchObject({ to_address: adminCredentials.email });
  expect(mails[0]!.subject).toContain('SLA warning');
  expect(mails[0]!.body_text).toContain('First response target of this ticket is 80 % used');
  expect(await escalationEvents(id)).toEqual([
    { kind: 'first', percent: 80, action: 'notify_staff', done: true, detail: 1, staffIds: [adminId] },
  ]);

  setClock(utc(2026, 12, 7, 9, 1));
  expect(await twoProcesses()).toBe(2);
  expect(await twoProcesses()).toBe(0);
  const ticket = await t.db('tickets').where({ id }).first<{ owner_id: number | null }>('owner_id');
  expect(ticket!.owner_id).not.toBeNull();
  const events = await escalationEvents(id);
  expect(
    events
      .slice(1)
      .map((e) => `${e.action}:${String(e.done)}`)
      .sort(),
  ).toEqual(['raise_priority:false', 'reassign:true']); // urgent is the top priority already
  expect(
    await t
      .db('sla_escalations_done')
      .where({ ticket_id: id })
      .count<Array<{ n: number }>>({ n: '*' })
      .then((r) => Number(r[0]!.n)),
  ).toBe(3);
  expect(await t.db('sla_escalation_due').where({ ticket_id: id }).first()).toBeUndefined();
  expect(
    await t.db('ticket_events').where({ ticket_id: id, type: 'ticket.assigned', actor_type: 'system' }).first(),
  ).toBeTruthy();

  const page = (await (await admin()).agent.get(`/admin/tickets/${id}`).expect(200)).text;
  expect(page).toContain('SLA escalation');
  expect(page).toContain('First response: at 80 % — Notify a staff member');
  expect(page).toContain('already the highest priority');
});

test('without the lease, two runs over the same due clock still act once (the schedule row is taken by a conditional write)', async () => {
  const id = await newUrgentTicket(utc(2026, 12, 8, 9)); // Tuesday 10:00 local: 80 % at 10:48
  setClock(utc(2026, 12, 8, 9, 50));
  const due = await dueEscalations(t.db, t.clock.now(), 10);
  const mine = (await t.db('sla_escalation_due').where({ ticket_id: id }).first<{ clock_id: number }>('clock_id'))!;
  const row = due.find((d) => d.clockId === Number(mine.clock_id))!;
  const fired = await Promise.all([
    escalateDueClock(t.services, row, t.clock.now()),
    escalateDueClock(t.services, row, t.clock.now()),
  ]);
  expect(fired[0]! + fired[1]!).toBe(1);
  expect(await escalationEvents(id)).toHaveLength(1);
});

test('a reply before 80 % leaves nothing to escalate; a paused clock has no schedule', async () => {
  const id = await newUrgentTicket(utc(2026, 12, 9, 9)); // Wednesday 10:00 local
  const { agent, token } = await admin();
  setClock(utc(2026, 12, 9, 9, 20));
  await agent
    .post(`/admin/tickets/${id}/reply?_csrf=${encodeURIComponent(token)}`)
    .field('message', 'On it.')
    .field('status', 'waiting')
    .expect(303);
  expect(await t.db('sla_escalation_due').where({ ticket_id: id }).first()).toBeUndefined();
  setClock(utc(2026, 12, 9, 15));
  await twoProcesses();
  expect(await escalationEvents(id)).toEqual([]);
});

test('levels are checked: wrong values, unknown staff, other ids, HTML and a missing CSRF token are refused', async () => {
  const { agent, token } = await admin();
  const post = (body: Record<string, unknown>, path = `/admin/sla/policies/${policyId}/escalations`) =>
    agent
      .post(path)
      .type('form')
      .send({ _csrf: token, ...body });
  const before = await t
    .db('sla_escalation_levels')
    .count<Array<{ n: number }>>({ n: '*' })
    .then((r) => Number(r[0]!.n));
  let res = await post({ level_kind: 'first', level_percent: '0', level_action: 'notify_owner' }).expect(400);
  expect(res.text).toContain('Enter a whole number from 1 to 100');
  res = await post({ level_kind: 'first', level_percent: '101', level_action: 'notify_owner' }).expect(400);
  res = await post({ level_kind: 'first', level_percent: '<b>8</b>', level_action: 'notify_owner' }).expect(400);
  expect(res.text).not.toContain('<b>8</b>');
  await post({ level_kind: 'soon', level_percent: '80', level_action: 'notify_owner' }).expect(400);
  await post({ level_kind: 'first', level_percent: '80', level_action: 'delete_everything' }).expect(400);
  await post({ level_kind: ['first', 'next'], level_percent: '80', level_action: 'notify_owner' }).expect(400);
  res = await post({ level_kind: 'first', level_percent: '80', level_action: 'reassign', level_staff: '' }).expect(400);
  expect(res.text).toContain('Choose the staff member');
  await post({ level_kind: 'first', level_percent: '80', level_action: 'notify_staff', level_staff: '999999' }).expect(
    400,
  );
  await post(
    { level_kind: 'first', level_percent: '80', level_action: 'notify_owner' },
    '/admin/sla/policies/999999/escalations',
  ).expect(404);
  await agent
    .post(`/admin/sla/policies/${policyId}/escalations`)
    .type('form')
    .send({ level_kind: 'first', level_percent: '80', level_action: 'notify_owner' })
    .expect(403);
  expect(
    await t
      .db('sla_escalation_levels')
      .count<Array<{ n: number }>>({ n: '*' })
      .then((r) => Number(r[0]!.n)),
  ).toBe(before);

  // A level removed through another policy's address is "not found"; through its own it goes.
  const level = (await t.db('sla_escalation_levels').where({ policy_id: policyId }).first<{ id: number }>('id'))!;
  await post({}, `/admin/sla/policies/999999/escalations/${level.id}/delete`).expect(404);
  const page = (await agent.get(`/admin/sla/policies/${policyId}`).expect(200)).text;
  expect(page).toContain('Escalation rules');
  expect(page).toContain('First response: at the breach');
  await post({}, `/admin/sla/policies/${policyId}/escalations/${level.id}/delete`).expect(303);
  expect(await t.db('sla_escalation_levels').where({ id: level.id }).first()).toBeUndefined();
  expect(await t.db('audit_log').where({ action: 'sla.escalation_removed' }).first()).toBeTruthy();

  // A staff member without sla.manage sees neither the page nor the action.
  const sam = request.agent(t.app);
  await signIn(sam, staffCredentials);
  expect([403, 404]).toContain((await sam.get(`/admin/sla/policies/${policyId}`)).status);
  expect(samId).toBeGreaterThan(0);
});

test('a level is added once per form showing: a double submit or two tabs with the same key make one level; a refused form keeps its key', async () => {
  const { agent, token } = await admin();
  const count = () =>
    t
      .db('sla_escalation_levels')
      .where({ policy_id: policyId })
      .count<Array<{ n: number }>>({ n: '*' })
      .then((r) => Number(r[0]!.n));
  const before = await count();
  const page = (await agent.get(`/admin/sla/policies/${policyId}`).expect(200)).text;
  const key = /name="submission_key" value="([0-9a-f]+)"/.exec(page.slice(page.indexOf('/escalations"')))![1]!;
  const level = {
    _csrf: token,
    submission_key: key,
    level_kind: 'next',
    level_percent: '50',
    level_action: 'notify_owner',
  };
  const both = await Promise.all(
    [1, 2].map(() => agent.post(`/admin/sla/policies/${policyId}/escalations`).type('form').send(level)),
  );
  expect(both.map((r) => r.status)).toEqual([303, 303]);
  const again = await agent.post(`/admin/sla/policies/${policyId}/escalations`).type('form').send(level).expect(303);
  expect(again.headers.location).toBe(`/admin/sla/policies/${policyId}?done=levelAdded#escalations`);
  expect(await count()).toBe(before + 1);
  expect(
    await t
      .db('audit_log')
      .where({ action: 'sla.escalation_added' })
      .whereRaw('details like ?', ['%"atPercent":50%'])
      .count<Array<{ n: number }>>({ n: '*' })
      .then((r) => Number(r[0]!.n)),
  ).toBe(1);
  // A refused form comes back with the key it was sent with; a fresh showing has a new one.
  const fresh = (await agent.get(`/admin/sla/policies/${policyId}`).expect(200)).text;
  const freshKey = /name="submission_key" value="([0-9a-f]+)"/.exec(fresh.slice(fresh.indexOf('/escalations"')))![1]!;
  expect(freshKey).not.toBe(key);
  const refused = await agent
    .post(`/admin/sla/policies/${policyId}/escalations`)
    .type('form')
    .send({ ...level, submission_key: freshKey, level_percent: '0' })
    .expect(400);
  expect(refused.text).toContain(`value="${freshKey}"`);
  await agent
    .post(`/admin/sla/policies/${policyId}/escalations`)
    .type('form')
    .send({ ...level, submission_key: freshKey, level_percent: '60' })
    .expect(303);
  expect(await count()).toBe(before + 2);
  // A key of the wrong shape is no key (the level is made, not matched to another).
  await agent
    .post(`/admin/sla/policies/${policyId}/escalations`)
    .type('form')
    .send({ ...level, submission_key: ['a', 'b'], level_percent: '70' })
    .expect(303);
  expect(await count()).toBe(before + 3);
});
