/**
 * Issue 13 item 6: a job that was down for a day catches up in order. The breach, escalation and
 * auto-close jobs each take the oldest due work first (not the ticket order: the tickets here fall
 * due in another order than they were opened), a batch at a time; a run that spends its time budget
 * stops after the batch in hand and the next run goes on where it stopped.
 */
import request from 'supertest';
import { runAutoClose } from '../../src/jobs/auto-close';
import { recordSlaBreaches } from '../../src/jobs/sla-breaches';
import { runSlaEscalations } from '../../src/jobs/sla-escalations';
import { adminCredentials, useInstalledApp, type InstalledApp } from '../helpers/installed-app';
import { openTicket } from '../helpers/portal';
import { utc, setClock as moveClock, signedInAdmin } from '../helpers/sla';

let t: InstalledApp;
useInstalledApp((app) => (t = app), { freshRateLimits: true });

const DAY = 86_400_000;
const MINUTE = 60_000;
const setClock = (at: number) => moveClock(t, at);

const admin = () => signedInAdmin(t);

async function newTicket(at: number, subject: string, priority?: string): Promise<number> {
  setClock(at - 5000); // the form helper waits five seconds before sending
  // Each from its own address: the portal limits how many tickets one address opens a day.
  const tracking = await openTicket(t, request.agent(t.app), { subject, email: `catch-up-${at}@example.net` });
  const id = Number((await t.db('tickets').where({ tracking_id: tracking }).first<{ id: number }>('id'))!.id);
  if (priority) {
    const { agent, token } = await admin();
    await agent.post(`/admin/tickets/${id}/properties`).type('form').send({ _csrf: token, priority }).expect(303);
  }
  return id;
}

/** The tickets of these events, in the order the events were written. */
const ticketsOfEvents = async (type: string, ids: number[]) =>
  (
    (await t.db('ticket_events').where({ type }).whereIn('ticket_id', ids).orderBy('id').pluck('ticket_id')) as number[]
  ).map(Number);

test('after a day of downtime the breach and escalation jobs work oldest due first, in batches, and finish', async () => {
  setClock(utc(2026, 11, 30, 7));
  const { agent, token } = await admin();
  const urgent = Number((await t.db('priorities').where({ key: 'urgent' }).first<{ id: number }>('id'))!.id);
  const high = Number((await t.db('priorities').where({ key: 'high' }).first<{ id: number }>('id'))!.id);
  const adminId = Number(
    (await t.db('staff_users').where({ email: adminCredentials.email }).first<{ id: number }>('id'))!.id,
  );
  // No calendar: the clocks run round the clock. Urgent answered within an hour, high within 20 minutes.
  await agent
    .post('/admin/sla/policies')
    .type('form')
    .send({
      _csrf: token,
      name: 'Catch-up',
      position: '1',
      [`first_${urgent}`]: '1:00',
      [`first_${high}`]: '0:20',
      is_active: 'yes',
    })
    .expect(303);
  const policyId = Number((await t.db('sla_policies').where({ name: 'Catch-up' }).first<{ id: number }>('id'))!.id);
  const add = (level: Record<string, string>) =>
    agent
      .post(`/admin/sla/policies/${policyId}/escalations`)
      .type('form')
      .send({ _csrf: token, ...level })
      .expect(303);
  await add({ level_kind: 'first', level_percent: '80', level_action: 'notify_staff', level_staff: String(adminId) });
  await add({ level_kind: 'first', level_percent: '100', level_action: 'notify_staff', level_staff: String(adminId) });

  // Six tickets five minutes apart, urgent and high in turn: due 9:00, 8:25, 9:10, 8:35, 9:20, 8:45.
  const ids: number[] = [];
  for (let i = 0; i < 6; i++)
    ids.push(await newTicket(utc(2026, 11, 30, 8, 5 * i), `Catch-up ${i}`, i % 2 === 0 ? 'urgent' : 'high'));
  const dueOrder = [1, 3, 5, 0, 2, 4].map((i) => ids[i]!);
  const dueAts = await t
    .db('sla_clocks')
    .whereIn('ticket_id', ids)
    .where({ kind: 'first' })
    .orderBy('due_at')
    .pluck('ticket_id');
  expect(dueAts.map(Number)).toEqual(dueOrder);

  // The jobs were down until the next day at noon.
  setClock(utc(2026, 12, 1, 12));
  // Breaches: one batch of two per run when the budget is spent at once, oldest due first.
  expect(await recordSlaBreaches({ db: t.db, clock: t.clock }, { batch: 2, budgetMs: 0 })).toBe(2);
  expect(await ticketsOfEvents('sla.breached', ids)).toEqual(dueOrder.slice(0, 2));
  // The next run, with time to spare, finishes in batches of two.
  expect(await recordSlaBreaches({ db: t.db, clock: t.clock }, { batch: 2 })).toBe(4);
  expect(await ticketsOfEvents('sla.breached', ids)).toEqual(dueOrder);

  // Escalations: both levels of a clock fire in its one step; its 80 % time orders it (8:21, 8:31, 8:41, 8:48, 8:58, 9:08).
  expect(await runSlaEscalations(t.services, { batch: 2, budgetMs: 0 })).toBe(4);
  expect(await ticketsOfEvents('sla.escalated', ids)).toEqual(dueOrder.slice(0, 2).flatMap((id) => [id, id]));
  expect(await runSlaEscalations(t.services, { batch: 2 })).toBe(8);
  expect(await ticketsOfEvents('sla.escalated', ids)).toEqual(dueOrder.flatMap((id) => [id, id]));
  expect(
    await t
      .db('sla_escalation_due')
      .whereIn('ticket_id', ids)
      .count<{ n: number }[]>({ n: '*' })
      .then((r) => Number(r[0]!.n)),
  ).toBe(0);
  // Nothing is left to do, and nothing is done twice.
  expect(await runSlaEscalations(t.services, { batch: 2 })).toBe(0);
  expect(await recordSlaBreaches({ db: t.db, clock: t.clock }, { batch: 2 })).toBe(0);
  expect(
    await t
      .db('mail_outbox')
      .where({ template: 'staff_sla_warning' })
      .count<{ n: number }[]>({ n: '*' })
      .then((r) => Number(r[0]!.n)),
  ).toBe(12);
});

test('after a day of downtime the auto-close closes the longest-waiting tickets first, in batches, and finishes', async () => {
  setClock(utc(2026, 12, 2, 9));
  const ids: number[] = [];
  for (let i = 0; i < 5; i++) ids.push(await newTicket(utc(2026, 12, 2, 9, 10 * i), `Auto-close catch-up ${i}`));
  // Answered in the reverse order: the last opened waits longest.
  const { agent, token } = await admin();
  for (const [k, id] of [...ids].reverse().entries()) {
    setClock(utc(2026, 12, 2, 11, k * 10));
    await agent
      .post(`/admin/tickets/${id}/reply?_csrf=${encodeURIComponent(token)}`)
      .field('message', 'Does it work now?')
      .field('status', 'replied')
      .expect(303);
  }
  const closeOrder = [...ids].reverse();
  expect(
    (
      (await t.db('ticket_auto_close').whereIn('ticket_id', ids).orderBy('close_at').pluck('ticket_id')) as number[]
    ).map(Number),
  ).toEqual(closeOrder);

  // The desk closes after 7 days; the job was down for the day after the last one was due.
  setClock(utc(2026, 12, 2, 11, 40) + 8 * DAY + MINUTE);
  expect(
    await runAutoClose({ ...t.services, signingSecret: t.config.secrets.signing }, { batch: 2, budgetMs: 0 }),
  ).toBe(2);
  expect(await ticketsOfEvents('ticket.auto_closed', ids)).toEqual(closeOrder.slice(0, 2));
  expect(await runAutoClose({ ...t.services, signingSecret: t.config.secrets.signing }, { batch: 2 })).toBe(3);
  expect(await ticketsOfEvents('ticket.auto_closed', ids)).toEqual(closeOrder);
  expect(await runAutoClose({ ...t.services, signingSecret: t.config.secrets.signing }, { batch: 2 })).toBe(0);
});
