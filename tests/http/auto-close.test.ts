import request from 'supertest';
import { runAutoClose } from '../../src/jobs/auto-close';
import { signTicketLink } from '../../src/tickets/ticket-link';
import { adminCredentials, csrfFrom, useInstalledApp, type InstalledApp } from '../helpers/installed-app';
import { importMail, simpleMail } from '../helpers/mail-intake';
import { openTicket, validTicket } from '../helpers/portal';
import { setClock as moveClock, signedInAdmin } from '../helpers/sla';

let t: InstalledApp;
useInstalledApp((app) => (t = app), { freshRateLimits: true });

const DAY = 86_400_000;
const setClock = (at: number) => moveClock(t, at);
const autoCloseDeps = () => ({ ...t.services, signingSecret: t.config.secrets.signing });
/** Two processes of the desk (web and cron), each with its own lease holder, side by side. */
const twoProcesses = async () =>
  (
    await Promise.all([
      runAutoClose(autoCloseDeps(), { holder: 'web-1' }),
      runAutoClose(autoCloseDeps(), { holder: 'cron-1' }),
    ])
  ).reduce((a, b) => a + b, 0);

const admin = () => signedInAdmin(t, '/admin');

/** A customer's ticket answered by staff at `at` (status "Replied"). */
async function answeredTicket(at: number, subject: string) {
  setClock(at - 5000); // the form helper waits five seconds before sending
  const customer = request.agent(t.app);
  const tracking = await openTicket(t, customer, { subject });
  const id = Number((await t.db('tickets').where({ tracking_id: tracking }).first<{ id: number }>('id'))!.id);
  const { agent, token } = await admin();
  await agent
    .post(`/admin/tickets/${id}/reply?_csrf=${encodeURIComponent(token)}`)
    .field('message', 'Does it work now?')
    .field('status', 'replied')
    .expect(303);
  return { customer, tracking, id };
}
/** The customer's ticket page through the signed link of a mail (the session's access runs out over days). */
const customerPage = (agent: request.Agent, tracking: string) =>
  agent
    .get(`/helpdesk/tickets/${tracking}?k=${signTicketLink(t.config.secrets.signing, tracking, t.clock.now() + DAY)}`)
    .expect(200);
const statusOf = async (id: number) =>
  (await t
    .db('tickets as t')
    .join('statuses as s', 's.id', 't.status_id')
    .where('t.id', id)
    .first<{ key: string }>('s.key'))!.key;
const closeAt = async (id: number) => {
  const row = await t
    .db('ticket_auto_close')
    .where({ ticket_id: id })
    .first<{ close_at: number | string } | undefined>('close_at');
  return row ? Number(row.close_at) : null;
};

beforeAll(async () => {
  setClock(Date.UTC(2026, 11, 1, 9));
  // The first category closes after 3 days; the desk's default (7) stays for the others.
  const { agent, token } = await admin();
  const page = (await agent.get('/admin/categories/1').expect(200)).text;
  expect(page).toContain('Close unanswered tickets after (days)');
  const form = Object.fromEntries(
    [...page.matchAll(/<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g)].map((m) => [
      m[1]!,
      m[2]!.replace(/&amp;/g, '&'),
    ]),
  );
  const base = { ...form, _csrf: token, visibility: 'public', tier: '1', auto_assign: 'none' };
  for (const bad of ['abc', '400', '-1', '<b>3</b>']) {
    const res = await agent
      .post('/admin/categories/1')
      .type('form')
      .send({ ...base, auto_close_days: bad });
    expect(res.status).toBe(400);
    expect(res.text).toContain('Enter a whole number of days from 0 to 365');
    expect(res.text).not.toContain('<b>3</b>');
  }
  await agent
    .post('/admin/categories/1')
    .type('form')
    .send({ ...base, auto_close_days: ['3', '4'] })
    .expect(400);
  await agent
    .post('/admin/categories/1')
    .type('form')
    .send({ ...base, auto_close_days: '3' })
    .expect(303);
  expect(
    Number(
      (await t.db('categories').where({ id: 1 }).first<{ auto_close_days: number }>('auto_close_days'))!
        .auto_close_days,
    ),
  ).toBe(3);
});

test("a ticket answered by staff closes after the category's 3 days without an answer, once with two processes, and the customer is told in their language", async () => {
  const start = Date.UTC(2026, 11, 1, 10);
  const { id } = await answeredTicket(start, 'Close me');
  expect(await closeAt(id)).toBe(start + 3 * DAY);
  await t.db('tickets').where({ id }).update({ language: 'sk' });

  setClock(start + 3 * DAY - 60_000);
  expect(await twoProcesses()).toBe(0);
  setClock(start + 3 * DAY + 60_000);
  expect(await twoProcesses()).toBe(1);
  expect(await twoProcesses()).toBe(0);
  expect(await statusOf(id)).toBe('closed');
  expect(await closeAt(id)).toBeNull();
  const events = await t
    .db('ticket_events')
    .where({ ticket_id: id })
    .whereIn('type', ['ticket.auto_closed', 'ticket.status_changed'])
    .orderBy('id')
    .select<Array<{ type: string; actor_type: string; data: string }>>('type', 'actor_type', 'data');
  expect(events.filter((e) => e.type === 'ticket.auto_closed')).toHaveLength(1);
  expect(events.at(-1)).toMatchObject({ type: 'ticket.auto_closed', actor_type: 'system' });
  const mails = await t
    .db('mail_outbox')
    .where({ template: 'ticket_auto_closed', ticket_id: id })
    .select<Array<{ to_address: string; subject: string; body_text: string }>>('to_address', 'subject', 'body_text');
  expect(mails).toHaveLength(1);
  expect(mails[0]!.to_address).toBe(validTicket.email);
  expect(mails[0]!.subject).toContain('Vaša požiadavka bola uzavretá');
  expect(mails[0]!.body_text).toContain(`Platí to do ${new Date(start + 33 * DAY).toISOString().slice(0, 10)}`);
  // Staff see it in the history.
  const page = (await (await admin()).agent.get(`/admin/tickets/${id}`).expect(200)).text;
  expect(page).toContain('Closed automatically');
  // The close is the resolution: made by the auto-close, credited to the staff member who answered (the survey asks about it).
  const adminId = Number(
    (await t.db('staff_users').where({ email: adminCredentials.email }).first<{ id: number }>('id'))!.id,
  );
  const row = await t
    .db('tickets')
    .where({ id })
    .first<{ resolved_by: string; resolved_by_staff_id: number; resolved_at: number | string }>(
      'resolved_by',
      'resolved_by_staff_id',
      'resolved_at',
    );
  expect({ by: row!.resolved_by, staff: Number(row!.resolved_by_staff_id), at: Number(row!.resolved_at) }).toEqual({
    by: 'auto',
    staff: adminId,
    at: start + 3 * DAY + 60_000,
  });
});

test('a customer answer before the time stops the count; an open ticket never closes by itself', async () => {
  const start = Date.UTC(2026, 11, 10, 10);
  const { customer, tracking, id } = await answeredTicket(start, 'Still here');
  setClock(start + DAY);
  const page = await customerPage(customer, tracking);
  await customer
    .post(`/helpdesk/tickets/${tracking}/reply`)
    .type('form')
    .send({ _csrf: csrfFrom(page.text), message: 'Not yet fixed.' })
    .expect(303);
  expect(await statusOf(id)).toBe('open');
  expect(await closeAt(id)).toBeNull();
  setClock(start + 30 * DAY);
  await twoProcesses();
  expect(await statusOf(id)).toBe('open');
});

test('a web reply within the reopen window reopens the closed ticket; after it, the page offers a new ticket and a reply is refused', async () => {
  const start = Date.UTC(2027, 0, 1, 10);
  const { customer, tracking, id } = await answeredTicket(start, 'Reopen me');
  setClock(start + 4 * DAY);
  expect(await twoProcesses()).toBe(1);
  setClock(start + 20 * DAY);
  let page = await customerPage(customer, tracking);
  await customer
    .post(`/helpdesk/tickets/${tracking}/reply`)
    .type('form')
    .send({ _csrf: csrfFrom(page.text), message: 'It broke again.' })
    .expect(303);
  expect(await statusOf(id)).toBe('open');

  // Answered and closed again; the window counts from the close (resolved_at).
  const { agent, token } = await admin();
  await agent
    .post(`/admin/tickets/${id}/reply?_csrf=${encodeURIComponent(token)}`)
    .field('message', 'Fixed again.')
    .field('status', 'replied')
    .expect(303);
  setClock(start + 24 * DAY);
  expect(await twoProcesses()).toBe(1);
  setClock(start + 24 * DAY + 31 * DAY);
  page = await customerPage(customer, tracking);
  expect(page.text).toContain('This ticket is closed and takes no more replies.');
  expect(page.text).toContain('href="/helpdesk/tickets/new"');
  expect(page.text).not.toContain(`/helpdesk/tickets/${tracking}/reply`);
  await customer
    .post(`/helpdesk/tickets/${tracking}/reply`)
    .type('form')
    .send({ _csrf: csrfFrom(page.text), message: 'Too late?' })
    .expect(409);
  await customer
    .post(`/helpdesk/tickets/${tracking}/status`)
    .type('form')
    .send({ _csrf: csrfFrom(page.text), action: 'reopen' })
    .expect(400);
  expect(await statusOf(id)).toBe('closed');
});

test('by e-mail: an answer within the window reopens the ticket, a later one starts a new ticket', async () => {
  const start = Date.UTC(2027, 3, 1, 10);
  const { tracking, id } = await answeredTicket(start, 'Mail me');
  setClock(start + 4 * DAY);
  expect(await twoProcesses()).toBe(1);
  const formatted = `${tracking.slice(0, 3)}-${tracking.slice(3, 6)}-${tracking.slice(6)}`;
  const answer = (body: string) =>
    simpleMail({ from: `Carla <${validTicket.email}>`, subject: `Re: [#${formatted}] Mail me`, body });

  setClock(start + 10 * DAY);
  const within = await importMail(t, answer('Within the window.'));
  expect(within).toMatchObject({ outcome: 'replied', ticketId: id });
  expect(await statusOf(id)).toBe('open');

  const { agent, token } = await admin();
  await agent
    .post(`/admin/tickets/${id}/reply?_csrf=${encodeURIComponent(token)}`)
    .field('message', 'Done.')
    .field('status', 'resolved')
    .expect(303);
  setClock(start + 10 * DAY + 31 * DAY);
  const late = await importMail(t, answer('Months later.'));
  expect(late.outcome).toBe('created');
  expect(late.ticketId).not.toBe(id);
  expect(await statusOf(id)).toBe('resolved');
});

test('the tickets settings tab sets the desk default and the reopen window, and refuses bad values', async () => {
  const { agent } = await admin();
  const page = (await agent.get('/admin/settings/tickets').expect(200)).text;
  expect(page).toContain('Closed tickets take replies for (days)');
  expect(page).not.toContain('Not in use yet');
  const token = csrfFrom(page);
  for (const bad of ['-1', '99999', 'x'])
    await agent
      .post('/admin/settings/tickets')
      .type('form')
      .send({ _csrf: token, 'tickets-autoCloseDays': '7', 'tickets-reopenDays': bad })
      .expect(400);
  await agent
    .post('/admin/settings/tickets')
    .type('form')
    .send({ _csrf: token, 'tickets-autoCloseDays': '5', 'tickets-reopenDays': '0' })
    .expect(303);
  expect(await t.services.settings.get('tickets.reopenDays')).toBe(0);
  // With no window, an answer by e-mail to a resolved ticket starts a new one at once.
  const start = Date.UTC(2027, 6, 1, 10);
  const { tracking, id } = await answeredTicket(start, 'No window');
  const later = await admin(); // the clock moved past the first session's life
  await later.agent
    .post(`/admin/tickets/${id}/reply?_csrf=${encodeURIComponent(later.token)}`)
    .field('message', 'Done.')
    .field('status', 'resolved')
    .expect(303);
  const formatted = `${tracking.slice(0, 3)}-${tracking.slice(3, 6)}-${tracking.slice(6)}`;
  const late = await importMail(
    t,
    simpleMail({
      from: `Carla <${validTicket.email}>`,
      subject: `Re: [#${formatted}] No window`,
      body: 'One more thing.',
    }),
  );
  expect(late.outcome).toBe('created');
  await t.services.settings.save({ 'tickets.reopenDays': 30, 'tickets.autoCloseDays': 7 });
});
