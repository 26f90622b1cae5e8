import request from 'supertest';
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

async function staffAgent(creds: { email: string; password: string }) {
  const agent = request.agent(t.app);
  expect((await signIn(agent, creds)).status).toBe(303);
  return agent;
}

async function newTicket(): Promise<{ id: number; tracking: string; customer: request.Agent }> {
  const customer = request.agent(t.app);
  const tracking = await openTicket(t, customer);
  const row = await t.db('tickets').where({ tracking_id: tracking }).first('id');
  return { id: Number(row.id), tracking, customer };
}

test('staff see only the tickets of their categories: 404 on every route otherwise', async () => {
  const { id, tracking } = await newTicket();
  const admin = await staffAgent(adminCredentials);
  const sam = await staffAgent(staffCredentials);
  expect((await admin.get('/admin/tickets').expect(200)).text).toContain(`/admin/tickets/${id}`);
  const samList = await sam.get('/admin/tickets').expect(200);
  expect(samList.text).not.toContain(`/admin/tickets/${id}`);
  expect(samList.text).not.toContain(tracking.slice(0, 3) + '-');
  const token = csrfFrom(samList.text);
  await sam.get(`/admin/tickets/${id}`).expect(404);
  await sam.get(`/admin/tickets/${id}/attachments/1`).expect(404);
  for (const [path, body] of [
    ['reply', { message: 'x' }],
    ['note', { message: 'x' }],
    ['properties', { status: 'closed' }],
    ['take', {}],
  ] as const) {
    await sam
      .post(`/admin/tickets/${id}/${path}`)
      .type('form')
      .send({ _csrf: token, ...body })
      .expect(404);
  }
  await sam.get('/admin/tickets/999999999').expect(404);
  await sam.get('/admin/tickets/abc').expect(404);
  expect(await t.db('messages').where({ ticket_id: id }).count<{ n: number }[]>({ n: '*' })).toEqual([{ n: 1 }]);

  const sid = (await t.db('staff_users').where({ email: staffCredentials.email }).first('id')).id;
  await t.db('staff_categories').insert({ staff_id: sid, category_id: 1 });
  try {
    await sam.get(`/admin/tickets/${id}`).expect(200);
  } finally {
    await t.db('staff_categories').where({ staff_id: sid }).del();
  }
});

test('a reply goes to the customer; a note stays internal and is shown inert', async () => {
  const { id, tracking, customer } = await newTicket();
  const admin = await staffAgent(adminCredentials);
  const page = await admin.get(`/admin/tickets/${id}`).expect(200);
  const token = csrfFrom(page.text);
  await t.db('mail_outbox').del();
  await admin
    .post(`/admin/tickets/${id}/note`)
    .type('form')
    .send({ _csrf: token, message: 'Customer is VIP <script>alert(1)</script>' })
    .expect(303);
  await admin
    .post(`/admin/tickets/${id}/reply?_csrf=${encodeURIComponent(token)}`)
    .field('message', 'We are on it.')
    .field('status', 'waiting')
    .expect(303);
  const staffView = await admin.get(`/admin/tickets/${id}`).expect(200);
  expect(staffView.text).toContain('Customer is VIP &lt;script&gt;alert(1)&lt;/script&gt;');
  expect(staffView.text).toContain('message--note');
  const customerView = await customer.get(`/helpdesk/tickets/${tracking}`).expect(200);
  expect(customerView.text).toContain('We are on it.');
  expect(customerView.text).not.toContain('VIP');
  const mails = await t.db('mail_outbox').orderBy('id').select('template', 'body_text');
  expect(mails.map((m: { template: string }) => m.template)).toEqual(['staff_replied']);
  expect(mails.map((m: { body_text: string }) => m.body_text).join()).not.toContain('VIP');
  expect((await t.db('tickets').where({ id }).first('status_id', 'last_replier_type')).last_replier_type).toBe('staff');
  const statusKey = await t
    .db('tickets as t')
    .join('statuses as s', 's.id', 't.status_id')
    .where('t.id', id)
    .first('s.key');
  expect(statusKey.key).toBe('waiting');
});

test('a note carries files from the page that only staff can open; a refused file is shown on the note', async () => {
  const { id, tracking, customer } = await newTicket();
  const admin = await staffAgent(adminCredentials);
  const page = await admin.get(`/admin/tickets/${id}`).expect(200);
  expect(page.text).toMatch(
    new RegExp(`action="/admin/tickets/${id}/note\\?_csrf=[^"]+" enctype="multipart/form-data"`),
  );
  expect(page.text).toContain('id="note-attachments" name="attachments"');
  const token = csrfFrom(page.text);
  await t.db('mail_outbox').del();
  await admin
    .post(`/admin/tickets/${id}/note?_csrf=${encodeURIComponent(token)}`)
    .field('message', 'Log from the call')
    .attach('attachments', Buffer.from('router log\n'), 'router-log.txt')
    .expect(303);
  const file = await t.db('attachments').where({ ticket_id: id, file_name: 'router-log.txt' }).first('id');
  expect(file).toBeDefined();
  expect((await admin.get(`/admin/tickets/${id}/attachments/${file.id}`).expect(200)).text).toBe('router log\n');
  await customer.get(`/helpdesk/tickets/${tracking}/attachments/${file.id}`).expect(404);
  expect((await customer.get(`/helpdesk/tickets/${tracking}`).expect(200)).text).not.toContain('router-log.txt');
  expect(await t.db('mail_outbox').count<{ n: number }[]>({ n: '*' })).toEqual([{ n: 0 }]);

  const refused = await admin
    .post(`/admin/tickets/${id}/note?_csrf=${encodeURIComponent(token)}`)
    .field('message', 'A program')
    .attach('attachments', Buffer.from('MZ\x90\x00'), 'tool.exe')
    .expect(400);
  expect(refused.text).toContain('id="note-attachments-error"');
  expect(refused.text).not.toContain('id="attachments-error"');
  expect(refused.text).toContain('A program');
});

test('status, priority, owner and category changes are saved and kept in the history', async () => {
  const { id } = await newTicket();
  const admin = await staffAgent(adminCredentials);
  const token = csrfFrom((await admin.get(`/admin/tickets/${id}`)).text);
  const sid = (await t.db('staff_users').where({ email: staffCredentials.email }).first('id')).id;
  const refused = await admin
    .post(`/admin/tickets/${id}/properties`)
    .type('form')
    .send({ _csrf: token, owner: String(sid) });
  expect(refused.status).toBe(400);
  expect(refused.text).toContain('This person cannot work tickets of this category.');
  await admin
    .post(`/admin/tickets/${id}/properties`)
    .type('form')
    .send({ _csrf: token, status: 'on_hold', priority: 'urgent', owner: '1' })
    .expect(303);
  await admin.post(`/admin/tickets/${id}/properties`).type('form').send({ status: 'closed' }).expect(403);
  const types = await t.db('ticket_events').where({ ticket_id: id }).orderBy('id').pluck('type');
  expect(types).toEqual(['ticket.created', 'ticket.status_changed', 'ticket.priority_changed', 'ticket.assigned']);
  const list = await admin.get('/admin/tickets?owner=me&status=on_hold&priority=urgent').expect(200);
  expect(list.text).toContain(`/admin/tickets/${id}`);
  const none = await admin.get('/admin/tickets?owner=unassigned&status=on_hold').expect(200);
  expect(none.text).not.toContain(`/admin/tickets/${id}"`);
});

test('the dashboard counts each queue among the tickets the person may see', async () => {
  await newTicket();
  const admin = await staffAgent(adminCredentials);
  const sam = await staffAgent(staffCredentials);
  const count = (html: string, queue: string) =>
    Number(
      new RegExp(`<span class="queue__count">(\\d+)\\+?</span> <span class="queue__name">${queue}</span>`).exec(
        html,
      )![1],
    );
  const adminDash = (await admin.get('/admin').expect(200)).text;
  const newTickets = await t
    .db('tickets as t')
    .join('statuses as s', 's.id', 't.status_id')
    .where('s.key', 'new')
    .count<{ n: number }[]>({ n: '*' });
  expect(count(adminDash, 'New')).toBe(Number(newTickets[0]!.n));
  expect(count(adminDash, 'New')).toBeGreaterThan(0);
  const samDash = (await sam.get('/admin').expect(200)).text;
  expect(count(samDash, 'New')).toBe(0);
  expect(count(samDash, 'Unassigned')).toBe(0);
});
