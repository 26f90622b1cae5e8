import request from 'supertest';
import { csrfFrom, installedApp, type InstalledApp } from '../helpers/installed-app';
import { openTicket, validTicket } from '../helpers/portal';
import { addStaffReply } from '../../src/tickets/tickets.service';
import { findTicketByTrackingId } from '../../src/tickets/tickets.repo';

let t: InstalledApp;
beforeAll(async () => {
  t = await installedApp();
  await t.services.settings.save({ 'helpdesk.url': 'http://help.example.test' });
});
afterAll(async () => t.close());
beforeEach(async () => {
  await t.db('rate_limits').del();
  await t.db('mail_outbox').del();
});

type Outbox = {
  template: string;
  to_address: string;
  subject: string;
  body_text: string;
  body_html: string;
  headers: string;
};
const outbox = () =>
  t
    .db('mail_outbox')
    .orderBy('id')
    .select<Outbox[]>('template', 'to_address', 'subject', 'body_text', 'body_html', 'headers');
const linkIn = (text: string) =>
  /http:\/\/help\.example\.test(\/helpdesk\/tickets\/[A-Z0-9]{10}\?k=[\w.-]+)/.exec(text)![1]!;

test('a new ticket queues the customer confirmation and tells the staff of its category', async () => {
  const id = await openTicket(t, request.agent(t.app), { name: 'Eve <b>bold</b>', subject: 'Help <script>x</script>' });
  const mails = await outbox();
  const customer = mails.find((m) => m.template === 'ticket_received')!;
  expect(customer.to_address).toBe(validTicket.email);
  expect(customer.subject).toContain(`[#${id.slice(0, 3)}-${id.slice(3, 6)}-${id.slice(6)}]`);
  expect(customer.body_html).not.toContain('<script>x');
  expect(customer.body_html).not.toContain('<b>bold');
  expect(mails.filter((m) => m.template === 'staff_new_ticket').map((m) => m.to_address)).toEqual(['ada@example.com']);
  // The link in the mail opens the ticket in any browser, without typing anything.
  const stranger = request.agent(t.app);
  await stranger
    .get(linkIn(customer.body_text))
    .expect(200)
    .expect(/Help &lt;script&gt;x&lt;\/script&gt;/);
  await stranger.get(`/helpdesk/tickets/${id}`).expect(200);
});

test('a staff reply and a resolution by staff are mailed to the customer; a customer resolving is not', async () => {
  const agent = request.agent(t.app);
  const id = await openTicket(t, agent);
  const ticket = (await findTicketByTrackingId(t.db, id))!;
  await t.db('mail_outbox').del();
  await addStaffReply(t.services, ticket, {
    staff: { id: 1, name: 'Ada Admin', isAdmin: true, capabilities: [] },
    body: 'Turn it off and on again.',
    files: [],
  });
  await addStaffReply(t.services, (await findTicketByTrackingId(t.db, id))!, {
    staff: { id: 1, name: 'Ada Admin', isAdmin: true, capabilities: [] },
    body: 'Closing now.',
    files: [],
    statusKey: 'resolved',
  });
  const mails = await outbox();
  expect(mails.map((m) => m.template)).toEqual(['staff_replied', 'staff_replied', 'ticket_resolved']);
  expect(mails[0]!.body_text).toContain('Turn it off and on again.');
  const page = await agent.get(`/helpdesk/tickets/${id}`).expect(200);
  expect(page.text).toContain('Reopen ticket');
  await t.db('mail_outbox').del();
  const token = csrfFrom(page.text);
  await agent.post(`/helpdesk/tickets/${id}/status`).type('form').send({ _csrf: token, action: 'reopen' }).expect(303);
  await agent.post(`/helpdesk/tickets/${id}/status`).type('form').send({ _csrf: token, action: 'resolve' }).expect(303);
  expect(await outbox()).toEqual([]);
  const events = await t.db('ticket_events').where({ ticket_id: ticket.id }).orderBy('id').pluck('type');
  expect(events).toEqual([
    'ticket.created',
    'ticket.staff_replied',
    'ticket.status_changed',
    'ticket.staff_replied',
    'ticket.status_changed',
    'ticket.status_changed',
    'ticket.status_changed',
  ]);
});

test('forgot tracking ID: the same answer for known and unknown addresses, a mail only for the known', async () => {
  await openTicket(t, request.agent(t.app), { email: 'known@example.net' });
  await t.db('mail_outbox').del();
  const answers: string[] = [];
  for (const email of ['known@example.net', 'unknown@example.net']) {
    const agent = request.agent(t.app);
    const page = await agent.get('/helpdesk/forgot');
    const res = await agent
      .post('/helpdesk/forgot')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), email })
      .expect(200);
    answers.push(/<div class="alert alert--success" role="status">([^<]*)</.exec(res.text)![1]!);
  }
  expect(answers[0]).toBe(answers[1]);
  // The mail is queued just after the answer is sent.
  for (let i = 0; i < 100 && (await outbox()).length === 0; i++) await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, 100));
  const mails = await outbox();
  expect(mails.map((m) => [m.template, m.to_address])).toEqual([['forgot_tracking', 'known@example.net']]);
  // Asking again and again does not flood the mailbox.
  for (let i = 0; i < 5; i++) {
    const agent = request.agent(t.app);
    const page = await agent.get('/helpdesk/forgot');
    await agent
      .post('/helpdesk/forgot')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), email: 'known@example.net' })
      .expect(200);
  }
  await new Promise((r) => setTimeout(r, 300));
  expect((await outbox()).length).toBeLessThanOrEqual(3);
});
