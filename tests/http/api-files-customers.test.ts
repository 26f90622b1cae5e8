import request from 'supertest';
import { insertCategory } from '../../src/categories/categories.repo';
import { apiAs, apiTokenFor, customerTicket } from '../helpers/api-client';
import { adminCredentials, staffCredentials, useInstalledApp, type InstalledApp } from '../helpers/installed-app';

let t: InstalledApp;
useInstalledApp((app) => (t = app), { freshRateLimits: true });

let billing: number;
let adminToken: string;
let samToken: string;
const file = (r: request.Test, name: string, content: string | Buffer, type = 'text/plain') =>
  r.attach('attachments', Buffer.from(content), { filename: name, contentType: type });
const post = (token: string, path: string) =>
  request(t.app).post(`/api/v1${path}`).set('Authorization', `Bearer ${token}`);
const get = (token: string | null, path: string) =>
  token
    ? request(t.app).get(`/api/v1${path}`).set('Authorization', `Bearer ${token}`)
    : request(t.app).get(`/api/v1${path}`);
const emailOf = async (ticketId: number) =>
  String(
    (
      await t
        .db('tickets as t')
        .join('customers as c', 'c.id', 't.customer_id')
        .where('t.id', ticketId)
        .first('c.email')
    ).email,
  );

beforeAll(async () => {
  billing = await insertCategory(
    t.db,
    { name: 'Billing', description: null, tier: 1, is_public: true, default_priority_id: null, sort_order: 2 },
    t.clock.now(),
  );
  const sam = Number((await t.db('staff_users').where({ email: staffCredentials.email }).first('id')).id);
  await t.db('staff_categories').insert({ staff_id: sam, category_id: billing });
  adminToken = await apiTokenFor(t, adminCredentials.email);
  samToken = await apiTokenFor(t, staffCredentials.email);
});

test('a reply and a note with files (multipart); staff download any, the customer only the conversation\u2019s', async () => {
  const ticket = await customerTicket(t, { category: billing });
  const reply = await file(
    file(
      post(adminToken, `/tickets/${ticket.id}/replies`).field('body', 'Logs attached.').field('status', 'on_hold'),
      'server log.txt',
      'line 1\nline 2\n',
    ),
    'résumé.pdf',
    '%PDF-1.4\n%\u00e2\u00e3\n1 0 obj\n',
    'application/pdf',
  ).expect(201);
  expect(reply.body.message.attachments.map((a: { fileName: string }) => a.fileName)).toEqual([
    'server log.txt',
    'résumé.pdf',
  ]);
  const note = await file(
    post(adminToken, `/tickets/${ticket.id}/notes`).field('body', 'Internal file'),
    'secret.txt',
    'internal only',
  ).expect(201);
  const [logId] = reply.body.message.attachments.map((a: { id: number }) => a.id);
  const noteFile = note.body.message.attachments[0].id;

  const staff = await get(adminToken, `/tickets/${ticket.id}/attachments/${logId}`).expect(200);
  expect(staff.text ?? staff.body.toString()).toContain('line 2');
  expect(staff.headers['content-disposition']).toMatch(/^attachment; filename="server log.txt"/);
  expect(staff.headers['x-content-type-options']).toBe('nosniff');
  await get(adminToken, `/tickets/${ticket.id}/attachments/${noteFile}`).expect(200);

  const email = await emailOf(ticket.id);
  const customer = await get(
    null,
    `/tickets/${ticket.trackingId}/attachments/${logId}?email=${encodeURIComponent(email.toUpperCase())}`,
  ).expect(200);
  expect(customer.headers['content-disposition']).toMatch(/^attachment;/);
  const notFound = (
    await get(null, `/tickets/${ticket.trackingId}/attachments/999999?email=${encodeURIComponent(email)}`).expect(404)
  ).body;
  for (const path of [
    `/tickets/${ticket.trackingId}/attachments/${noteFile}?email=${encodeURIComponent(email)}`,
    `/tickets/${ticket.trackingId}/attachments/${logId}?email=other%40example.org`,
    `/tickets/${ticket.trackingId}/attachments/${logId}`,
  ]) {
    expect((await get(null, path).expect(404)).body).toEqual(notFound);
  }
  const read = await get(null, `/tickets/${ticket.trackingId}?email=${encodeURIComponent(email)}`).expect(200);
  expect(JSON.stringify(read.body)).not.toContain('secret.txt');
});

test('bad uploads: refused types, too many or too large files, multipart elsewhere, odd fields', async () => {
  const ticket = await customerTicket(t, { category: billing });
  const html = await file(
    post(adminToken, `/tickets/${ticket.id}/replies`).field('body', 'x'),
    'page.html',
    '<html><script>alert(1)</script></html>',
    'text/html',
  ).expect(400);
  expect(Object.keys(html.body.error.fields)).toEqual(['attachments']);
  const exe = await file(
    post(adminToken, `/tickets/${ticket.id}/notes`).field('body', 'x'),
    'tool.txt',
    Buffer.from([0x4d, 0x5a, 0x90, 0x00, 0x03, 0x00, 0x00, 0x00, 0x04, 0x00]),
    'text/plain',
  );
  expect(exe.status).toBe(400);
  let many = post(adminToken, `/tickets/${ticket.id}/notes`).field('body', 'x');
  for (let i = 0; i < 7; i++) many = file(many, `f${i}.txt`, 'x');
  expect([413, 400]).toContain((await many).status);
  await t.services.settings.save({ 'attachments.maxSizeMb': 1 });
  try {
    await file(
      post(adminToken, `/tickets/${ticket.id}/notes`).field('body', 'x'),
      'big.txt',
      'a'.repeat(2 * 1024 * 1024 + 10),
    ).expect(413);
  } finally {
    await t.services.settings.save({ 'attachments.maxSizeMb': 10 });
  }
  await post(adminToken, `/tickets/${ticket.id}/notes`)
    .field('body', 'x')
    .attach('other', Buffer.from('x'), 'x.txt')
    .expect(400);
  await post(adminToken, `/tickets/${ticket.id}/notes`).field('body', 'x').field('isAdmin', 'true').expect(400);
  await post(adminToken, `/tickets/${ticket.id}/status`).field('status', 'closed').expect(415);
  await post(adminToken, '/tickets').field('name', 'x').expect(415);
  // A file is stored once per accepted message only: nothing of the refused ones.
  expect(await t.db('attachments').where({ ticket_id: ticket.id }).count<{ n: number }[]>({ n: '*' })).toEqual([
    { n: 0 },
  ]);
  // Without a token, multipart is no way in either.
  await request(t.app).post(`/api/v1/tickets/${ticket.id}/notes`).field('body', 'x').expect(401);
});

test('A/B: a file of a ticket out of reach is a 404, the same as an unknown one', async () => {
  const hidden = await customerTicket(t, { category: 1 });
  const mine = await customerTicket(t, { category: billing });
  const a = (await file(post(adminToken, `/tickets/${hidden.id}/notes`).field('body', 'n'), 'a.txt', 'hidden')).body
    .message.attachments[0].id;
  const b = (await file(post(adminToken, `/tickets/${mine.id}/notes`).field('body', 'n'), 'b.txt', 'mine')).body.message
    .attachments[0].id;
  const unknown = (await get(samToken, `/tickets/${mine.id}/attachments/999999`).expect(404)).body;
  expect((await get(samToken, `/tickets/${hidden.id}/attachments/${a}`).expect(404)).body).toEqual(unknown);
  expect((await get(samToken, `/tickets/${mine.id}/attachments/${a}`).expect(404)).body).toEqual(unknown);
  await get(samToken, `/tickets/${mine.id}/attachments/${b}`).expect(200);
  for (const bad of ['abc', '-1', '1e3', '9'.repeat(20)])
    await get(samToken, `/tickets/${mine.id}/attachments/${bad}`).expect(400);
});

test('customers: found by the exact address, with their tickets; staff limited to categories see only theirs', async () => {
  const hidden = await customerTicket(t, { category: 1 });
  const hiddenEmail = await emailOf(hidden.id);
  const both = await customerTicket(t, { category: billing });
  const email = await emailOf(both.id);
  const admin = apiAs(t, adminToken);
  const sam = apiAs(t, samToken);

  const found = await admin.get(`/customers?email=${encodeURIComponent(email.toUpperCase())}`).expect(200);
  expect(found.body.items).toEqual([expect.objectContaining({ email, name: expect.any(String), language: 'en' })]);
  const id = found.body.items[0].id as number;
  for (const near of [email.slice(0, -1), `x${email}`, email.replace('e', 'é'), `${email}%`, '%25']) {
    expect([near, (await admin.get(`/customers?email=${encodeURIComponent(near)}`).expect(200)).body.items]).toEqual([
      near,
      [],
    ]);
  }
  await admin.get('/customers').expect(400);
  await admin.get('/customers?email=a@b.c&extra=1').expect(400);
  await admin.get('/customers?email=a@b.c&email=d@e.f').expect(400);
  await admin.get('/customers/abc').expect(400);
  await admin.get('/customers/999999999').expect(404);
  expect((await admin.get(`/customers/${id}`).expect(200)).body.customer).toMatchObject({ id, email });

  const tickets = await admin.get(`/customers/${id}/tickets`).expect(200);
  expect(tickets.body.items.map((i: { id: number }) => i.id)).toEqual([both.id]);
  await admin.get(`/customers/${id}/tickets?page=0`).expect(400);

  // Sam works Billing only: a customer with only other tickets does not exist for him.
  const hiddenId = Number((await t.db('customers').where({ email: hiddenEmail }).first('id')).id);
  const unknown = (await sam.get('/customers/999999999').expect(404)).body;
  expect((await sam.get(`/customers/${hiddenId}`).expect(404)).body).toEqual(unknown);
  expect((await sam.get(`/customers/${hiddenId}/tickets`).expect(404)).body).toEqual(unknown);
  expect((await sam.get(`/customers?email=${encodeURIComponent(hiddenEmail)}`).expect(200)).body.items).toEqual([]);
  await sam.get(`/customers/${id}`).expect(200);

  // A customer with tickets in both: Sam sees only the Billing one.
  await t.db('tickets').where({ id: hidden.id }).update({ customer_id: id });
  expect((await admin.get(`/customers/${id}/tickets`).expect(200)).body.items).toHaveLength(2);
  expect((await sam.get(`/customers/${id}/tickets`).expect(200)).body.items.map((i: { id: number }) => i.id)).toEqual([
    both.id,
  ]);

  // A role without tickets.view: 403 on every customer route.
  const [roleId] = await t
    .db('roles')
    .insert({ name: 'No tickets', capabilities: JSON.stringify(['bans.manage']), created_at: 1, updated_at: 1 })
    .returning('id');
  const samRow = await t.db('staff_users').where({ email: staffCredentials.email }).first('id', 'role_id');
  await t
    .db('staff_users')
    .where({ id: samRow.id })
    .update({ role_id: typeof roleId === 'object' ? roleId.id : roleId });
  try {
    for (const path of [
      `/customers?email=${encodeURIComponent(email)}`,
      `/customers/${id}`,
      `/customers/${id}/tickets`,
    ])
      await sam.get(path).expect(403);
  } finally {
    await t.db('staff_users').where({ id: samRow.id }).update({ role_id: samRow.role_id });
  }
});
