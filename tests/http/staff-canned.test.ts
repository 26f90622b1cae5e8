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

test('canned responses: shared by admins, personal for each, placeholders filled into the reply box', async () => {
  const admin = request.agent(t.app);
  expect((await signIn(admin, adminCredentials)).status).toBe(303);
  const sam = request.agent(t.app);
  expect((await signIn(sam, staffCredentials)).status).toBe(303);
  const adminToken = csrfFrom((await admin.get('/admin/canned').expect(200)).text);
  const samToken = csrfFrom((await sam.get('/admin/canned').expect(200)).text);

  await admin
    .post('/admin/canned')
    .type('form')
    .send({
      _csrf: adminToken,
      title: 'Greeting <b>',
      folder: 'General',
      body: 'Hello {{customer_name}},\nyour ticket {{tracking_id}}: {{ticket_link}}\n— {{staff_name}}',
      shared: 'yes',
    })
    .expect(303);
  await sam
    .post('/admin/canned')
    .type('form')
    .send({ _csrf: samToken, title: 'Sam only', body: 'Personal note text' })
    .expect(303);
  const refused = await sam
    .post('/admin/canned')
    .type('form')
    .send({ _csrf: samToken, title: 'Try shared', body: 'x', shared: 'yes' });
  expect(refused.status).toBe(400);
  expect(refused.text).toContain('Only administrators can write shared responses.');
  const bad = await sam.post('/admin/canned').type('form').send({ _csrf: samToken, title: '', body: '' });
  expect(bad.status).toBe(400);
  expect(bad.text).toContain('href="#title"');

  const adminList = (await admin.get('/admin/canned')).text;
  expect(adminList).toContain('Greeting &lt;b&gt;');
  expect(adminList).not.toContain('Sam only');
  const samList = (await sam.get('/admin/canned')).text;
  expect(samList).toContain('Sam only');
  expect(samList).toContain('Greeting &lt;b&gt;');

  const shared = await t.db('canned_responses').where({ title: 'Greeting <b>' }).first('id');
  const personal = await t.db('canned_responses').where({ title: 'Sam only' }).first('id');
  await admin.get(`/admin/canned/${personal.id}`).expect(404);
  await admin.post(`/admin/canned/${personal.id}/delete`).type('form').send({ _csrf: adminToken }).expect(404);
  await sam
    .post(`/admin/canned/${shared.id}`)
    .type('form')
    .send({ _csrf: samToken, title: 'Hijacked', body: 'x' })
    .expect(404);

  const tracking = await openTicket(t, request.agent(t.app), { name: 'Carla <i>Customer</i>' });
  const ticketId = (await t.db('tickets').where({ tracking_id: tracking }).first('id')).id;
  const page = await admin.get(`/admin/tickets/${ticketId}?canned=${shared.id}`).expect(200);
  const formatted = `${tracking.slice(0, 3)}-${tracking.slice(3, 6)}-${tracking.slice(6)}`;
  expect(page.text).toContain(
    `Hello Carla &lt;i&gt;Customer&lt;/i&gt;,\nyour ticket ${formatted}: http://localhost/helpdesk/tickets/${tracking}\n— Ada Admin</textarea>`,
  );
  await admin.get(`/admin/tickets/${ticketId}?canned=${personal.id}`).expect(404);
  await sam.post(`/admin/canned/${personal.id}/delete`).type('form').send({ _csrf: samToken }).expect(303);
  expect(await t.db('canned_responses').where({ id: personal.id }).first()).toBeUndefined();
});

test('the reply box searches canned responses: one match is inserted, several are listed, none is said', async () => {
  const admin = request.agent(t.app);
  expect((await signIn(admin, adminCredentials)).status).toBe(303);
  const token = csrfFrom((await admin.get('/admin/canned').expect(200)).text);
  await admin
    .post('/admin/canned')
    .type('form')
    .send({
      _csrf: token,
      title: 'Refund policy',
      folder: 'Billing',
      body: 'Refunds take 5 days, {{customer_name}}.',
      shared: 'yes',
    })
    .expect(303);
  await admin
    .post('/admin/canned')
    .type('form')
    .send({ _csrf: token, title: 'Invoice copy', folder: 'Billing', body: 'Here is your invoice.', shared: 'yes' })
    .expect(303);
  const tracking = await openTicket(t, request.agent(t.app), { name: 'Dora <script>', email: 'dora@example.net' });
  const id = (await t.db('tickets').where({ tracking_id: tracking }).first('id')).id;

  const one = await admin.get(`/admin/tickets/${id}`).query({ canned_q: 'refund DAYS' }).expect(200);
  expect(one.text).toContain('Refunds take 5 days, Dora &lt;script&gt;.</textarea>');
  const several = await admin.get(`/admin/tickets/${id}`).query({ canned_q: 'billing' }).expect(200);
  expect(several.text).toContain('2 responses match');
  const refund = await t.db('canned_responses').where({ title: 'Refund policy' }).first('id');
  // Each match is a button of the reply form: choosing one keeps what was typed (see staff-ticket-ux).
  expect(several.text).toMatch(
    new RegExp(
      `<button type="submit" form="reply-form" formaction="/admin/tickets/${id}/canned\\?_csrf=[^"]+" formmethod="post"[^>]* name="canned" value="${refund.id}"`,
    ),
  );
  const none = await admin.get(`/admin/tickets/${id}`).query({ canned_q: '<b>zebra</b>' }).expect(200);
  expect(none.text).toContain('No canned response matches “&lt;b&gt;zebra&lt;/b&gt;”.');
  expect(none.text).toContain('<datalist id="canned-options">');
  await admin.get(`/admin/tickets/${id}`).query('canned_q=a&canned_q=b').expect(200);
});
