import request from 'supertest';
import { recordSlaBreaches } from '../../src/jobs/sla-breaches';
import { useInstalledApp, type InstalledApp } from '../helpers/installed-app';
import { openTicket } from '../helpers/portal';
import { utc, setClock as moveClock, signedInAdmin } from '../helpers/sla';

let t: InstalledApp;
useInstalledApp((app) => (t = app), { freshRateLimits: true });

const MIN = 60_000;
const setClock = (at: number) => moveClock(t, at);

const admin = () => signedInAdmin(t);

type Clock = {
  kind: string;
  due_at: number | string | null;
  running_since: number | string | null;
  met_at: number | string | null;
  breached_at: number | string | null;
  used_ms: number | string;
};
const clock = async (ticketId: number, kind: string) => {
  const row = await t
    .db('sla_clocks')
    .where({ ticket_id: ticketId, kind })
    .first<Clock | undefined>('kind', 'due_at', 'running_since', 'met_at', 'breached_at', 'used_ms');
  return (
    row && {
      dueAt: row.due_at === null ? null : Number(row.due_at),
      running: row.running_since !== null,
      metAt: row.met_at === null ? null : Number(row.met_at),
      breachedAt: row.breached_at === null ? null : Number(row.breached_at),
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
  ).map((e) => ({ type: e.type, ...(JSON.parse(e.data) as Record<string, unknown>) }));

async function newTicket(at: number): Promise<number> {
  setClock(at - 5000); // the form helper waits five seconds before sending
  const tracking = await openTicket(t, request.agent(t.app), { subject: `SLA ${at}` });
  return Number((await t.db('tickets').where({ tracking_id: tracking }).first<{ id: number }>('id'))!.id);
}

beforeAll(async () => {
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
});

test('a ticket at 17:55 on Friday made urgent is due at 10:00 on Monday; silence breaches it once, with two job runs side by side', async () => {
  const id = await newTicket(utc(2026, 12, 4, 16, 55)); // 17:55 in Bratislava
  expect(await clock(id, 'first')).toBeUndefined(); // normal priority: no policy fits
  const { agent, token } = await admin();
  await agent
    .post(`/admin/tickets/${id}/properties`)
    .type('form')
    .send({ _csrf: token, priority: 'urgent' })
    .expect(303);
  expect(await clock(id, 'first')).toEqual({
    dueAt: utc(2026, 12, 7, 9),
    running: true,
    metAt: null,
    breachedAt: null,
    usedMs: 0,
  });
  // Eight business hours for the resolution: all of Monday.
  expect((await clock(id, 'resolution'))!.dueAt).toBe(utc(2026, 12, 7, 16));

  setClock(utc(2026, 12, 7, 8, 59));
  expect(await recordSlaBreaches(t)).toBe(0);
  setClock(utc(2026, 12, 7, 9, 1));
  const runs = await Promise.all([recordSlaBreaches(t), recordSlaBreaches(t)]);
  expect(runs[0]! + runs[1]!).toBe(1);
  expect(await recordSlaBreaches(t)).toBe(0);
  expect((await clock(id, 'first'))!.breachedAt).toBe(utc(2026, 12, 7, 9));
  expect(await slaEvents(id)).toEqual([{ type: 'sla.breached', kind: 'first', dueAt: utc(2026, 12, 7, 9) }]);
  const breached = (await (await admin()).agent.get(`/admin/tickets/${id}`).expect(200)).text;
  expect(breached).toContain('sla-clock--breached');
  expect(breached).toContain('SLA target breached');

  // The late reply still meets the clock, marked late.
  const staff = await admin();
  await staff.agent
    .post(`/admin/tickets/${id}/reply?_csrf=${encodeURIComponent(staff.token)}`)
    .field('message', 'Sorry for the wait.')
    .field('status', 'replied')
    .expect(303);
  expect(await clock(id, 'first')).toMatchObject({ running: false, metAt: utc(2026, 12, 7, 9, 1), dueAt: null });
  expect((await slaEvents(id)).at(-1)).toEqual({ type: 'sla.met', kind: 'first', late: true });
  const met = (await staff.agent.get(`/admin/tickets/${id}`).expect(200)).text;
  expect(met).toContain('met late');
  expect(met).toContain('SLA target met');
});

test('a reply within the target meets the first-response clock on time; nothing breaches', async () => {
  const id = await newTicket(utc(2026, 12, 8, 9)); // Tuesday 10:00 local
  const { agent, token } = await admin();
  await agent
    .post(`/admin/tickets/${id}/properties`)
    .type('form')
    .send({ _csrf: token, priority: 'urgent' })
    .expect(303);
  expect((await clock(id, 'first'))!.dueAt).toBe(utc(2026, 12, 8, 10));
  setClock(utc(2026, 12, 8, 9, 40));
  await agent
    .post(`/admin/tickets/${id}/reply?_csrf=${encodeURIComponent(token)}`)
    .field('message', 'On it.')
    .field('status', 'replied')
    .expect(303);
  expect(await clock(id, 'first')).toMatchObject({
    metAt: utc(2026, 12, 8, 9, 40),
    breachedAt: null,
    running: false,
    usedMs: 40 * MIN,
  });
  setClock(utc(2026, 12, 8, 12));
  await recordSlaBreaches(t);
  expect(await slaEvents(id)).toEqual([{ type: 'sla.met', kind: 'first', late: false }]);
  // Resolving the ticket meets the resolution clock; reopening resumes it where it stopped.
  await agent
    .post(`/admin/tickets/${id}/properties`)
    .type('form')
    .send({ _csrf: token, status: 'resolved' })
    .expect(303);
  const resolved = (await clock(id, 'resolution'))!;
  expect(resolved).toMatchObject({ metAt: utc(2026, 12, 8, 12), running: false, usedMs: 3 * 60 * MIN });
});

test('a pausing status stops the clock, and the time on hold is not counted', async () => {
  const id = await newTicket(utc(2026, 12, 9, 8)); // Wednesday 09:00 local
  const { agent, token } = await admin();
  await agent
    .post(`/admin/tickets/${id}/properties`)
    .type('form')
    .send({ _csrf: token, priority: 'urgent' })
    .expect(303);
  setClock(utc(2026, 12, 9, 10)); // two business hours later
  await agent
    .post(`/admin/tickets/${id}/properties`)
    .type('form')
    .send({ _csrf: token, status: 'on_hold' })
    .expect(303);
  expect(await clock(id, 'resolution')).toMatchObject({ running: false, dueAt: null, usedMs: 2 * 60 * MIN });
  expect((await agent.get(`/admin/tickets/${id}`).expect(200)).text).toContain('paused, 6 h 0 min left');
  // The first response was an hour overdue when put on hold: its breach is recorded then, at its due time.
  expect(await clock(id, 'first')).toMatchObject({
    running: false,
    dueAt: null,
    usedMs: 2 * 60 * MIN,
    breachedAt: utc(2026, 12, 9, 9),
  });

  setClock(utc(2026, 12, 11, 8)); // Friday 09:00 local: two days on hold
  await recordSlaBreaches(t);
  const again = await admin();
  await again.agent
    .post(`/admin/tickets/${id}/properties`)
    .type('form')
    .send({ _csrf: again.token, status: 'open' })
    .expect(303);
  // Six business hours were left: Friday 09:00 + 6 h = 15:00 local.
  expect(await clock(id, 'resolution')).toMatchObject({
    running: true,
    dueAt: utc(2026, 12, 11, 14),
    breachedAt: null,
  });
  // Resumed, it is due at once, and stays breached without a second breach.
  expect(await clock(id, 'first')).toMatchObject({ dueAt: utc(2026, 12, 11, 8), breachedAt: utc(2026, 12, 9, 9) });
  expect(await recordSlaBreaches(t)).toBe(0);
  expect(await slaEvents(id)).toEqual([{ type: 'sla.breached', kind: 'first', dueAt: utc(2026, 12, 9, 9) }]);
});

test('a status the admin marks as pausing stops the clocks; the built-in ones are set that way at install', async () => {
  expect(await t.db('statuses').where({ pauses_sla: true }).orderBy('key').pluck('key')).toEqual([
    'on_hold',
    'waiting',
  ]);
  const { agent, token } = await admin();
  await agent
    .post('/admin/statuses')
    .type('form')
    .send({
      _csrf: token,
      name_en: 'Waiting for parts',
      color: '#123456',
      sort_order: '5',
      counts_as: 'open',
      pauses_sla: 'yes',
    })
    .expect(303);
  const parts = (await t
    .db('statuses')
    .where({ name: 'Waiting for parts' })
    .first<{ id: number; key: string; pauses_sla: boolean | number }>('id', 'key', 'pauses_sla'))!;
  expect(Boolean(parts.pauses_sla)).toBe(true);
  expect((await agent.get(`/admin/statuses/${parts.id}`).expect(200)).text).toMatch(
    /id="pauses_sla" name="pauses_sla" value="yes"[^>]* checked/,
  );
  const bad = await agent
    .post(`/admin/statuses/${parts.id}`)
    .type('form')
    .send({ _csrf: token, name_en: 'Waiting for parts', color: '#123456', pauses_sla: 'maybe' });
  expect(bad.status).toBe(400);

  const id = await newTicket(utc(2026, 12, 14, 8)); // Monday 09:00 local
  const again = await admin();
  await again.agent
    .post(`/admin/tickets/${id}/properties`)
    .type('form')
    .send({ _csrf: again.token, priority: 'urgent', status: parts.key })
    .expect(303);
  expect(await clock(id, 'resolution')).toMatchObject({ running: false, dueAt: null });
});

test('the list sorts by the SLA due time and filters breached and due-soon tickets; the dashboard counts them', async () => {
  // Tuesday 2026-12-15: one ticket created at 09:00 (due 10:00 local), one at 11:00 (due 12:00), one left normal (no clock).
  const early = await newTicket(utc(2026, 12, 15, 8));
  const later = await newTicket(utc(2026, 12, 15, 10));
  const plain = await newTicket(utc(2026, 12, 15, 10, 1));
  const { agent, token } = await admin();
  for (const id of [early, later])
    await agent
      .post(`/admin/tickets/${id}/properties`)
      .type('form')
      .send({ _csrf: token, priority: 'urgent' })
      .expect(303);
  expect(
    Number((await t.db('tickets').where({ id: early }).first<{ sla_due_at: number }>('sla_due_at'))!.sla_due_at),
  ).toBe(utc(2026, 12, 15, 9));

  setClock(utc(2026, 12, 15, 10, 30)); // the early one is breached, the later one due soon
  const shown = async (query: string) => {
    const html = (await agent.get(`/admin/tickets?${query}`).expect(200)).text;
    return [early, later, plain]
      .filter((id) => html.includes(`href="/admin/tickets/${id}"`))
      .sort((a, b) => html.indexOf(`href="/admin/tickets/${a}"`) - html.indexOf(`href="/admin/tickets/${b}"`));
  };
  expect(await shown('sla=breached&sort=sla&dir=asc')).toEqual([early]);
  expect(await shown('sla=soon&sort=sla&dir=asc')).toEqual([later]);
  const sorted = await shown('sort=sla&dir=desc&cols=tracking,subject,sla&size=100');
  expect(sorted.indexOf(later)).toBeLessThan(sorted.indexOf(early));
  const page = (await agent.get('/admin/tickets?sla=breached&sort=sla&dir=asc&cols=tracking,sla').expect(200)).text;
  expect(page).toContain('Tickets whose SLA target has passed');
  expect(page).toContain('class="due--overdue"');
  const dashboard = (await agent.get('/admin').expect(200)).text;
  expect(dashboard).toMatch(
    /href="\/admin\/tickets\?sla=breached&amp;sort=sla&amp;dir=asc"><span class="queue__count">\d+<\/span> <span class="queue__name">SLA breached/,
  );
  // Replying meets the clock: the ticket leaves the breached list.
  await agent
    .post(`/admin/tickets/${early}/reply?_csrf=${encodeURIComponent(token)}`)
    .field('message', 'Here.')
    .field('status', 'replied')
    .expect(303);
  expect(await shown('sla=breached')).not.toContain(early);
});
