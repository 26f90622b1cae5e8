import request from 'supertest';
import { insertCategory } from '../../src/categories/categories.repo';
import { insertReturningId } from '../../src/db/insert';
import { apiRoutes } from '../../src/web/api/api.routes';
import { apiAs, apiTokenFor, customerTicket } from '../helpers/api-client';
import { routesOf } from '../helpers/api-routes';
import { adminCredentials, staffCredentials, useInstalledApp, type InstalledApp } from '../helpers/installed-app';

let t: InstalledApp;
useInstalledApp((app) => (t = app));

let billing: number; // Sam works this category
let billingTier2: number; // its escalation target; Sam does not work it
let samId: number;
let adminId: number;
let adminToken: string;
let admin: ReturnType<typeof apiAs>;
let sam: ReturnType<typeof apiAs>;

beforeAll(async () => {
  const now = t.clock.now();
  billingTier2 = await insertCategory(
    t.db,
    {
      name: 'Billing (tier 2)',
      description: null,
      tier: 2,
      is_public: false,
      default_priority_id: null,
      sort_order: 3,
    },
    now,
  );
  billing = await insertCategory(
    t.db,
    { name: 'Billing', description: null, tier: 1, is_public: true, default_priority_id: null, sort_order: 2 },
    now,
  );
  await t.db('categories').where({ id: billing }).update({ escalate_to_id: billingTier2 });
  await t.db('categories').where({ id: 1 }).update({ escalate_to_id: billingTier2 });
  samId = Number((await t.db('staff_users').where({ email: staffCredentials.email }).first('id')).id);
  adminId = Number((await t.db('staff_users').where({ email: adminCredentials.email }).first('id')).id);
  await t.db('staff_categories').insert({ staff_id: samId, category_id: billing });
  adminToken = await apiTokenFor(t, adminCredentials.email);
  admin = apiAs(t, adminToken);
  sam = apiAs(t, await apiTokenFor(t, staffCredentials.email));
});

const dashed = (id: string) => `${id.slice(0, 3)}-${id.slice(3, 6)}-${id.slice(6)}`;

test('every staff endpoint works end to end with a token', async () => {
  const { id, trackingId } = await customerTicket(t, { subject: 'Printer <b>on fire</b>' });
  const list = await admin.get('/tickets').expect(200);
  expect(list.body).toMatchObject({ page: 1, size: 25, totalCapped: false, hasMore: false });
  expect(list.body.items.map((i: { id: number }) => i.id)).toContain(id);
  expect(list.body.items.find((i: { id: number }) => i.id === id)).toMatchObject({
    trackingId: dashed(trackingId),
    subject: 'Printer <b>on fire</b>',
    status: 'new',
    owner: null,
    lastReplier: { type: 'customer' },
  });

  const byId = await admin.get(`/tickets/${id}`).expect(200);
  expect(byId.body.ticket).toMatchObject({
    id,
    trackingId: dashed(trackingId),
    category: { id: 1 },
    status: 'new',
    statusIsOpen: true,
    owner: null,
    dueAt: null,
    mergedIntoId: null,
  });
  expect((await admin.get(`/tickets/${trackingId}`).expect(200)).body.ticket.id).toBe(id);
  expect((await admin.get(`/tickets/${dashed(trackingId).toLowerCase()}`).expect(200)).body.ticket.id).toBe(id);

  await t.db('mail_outbox').del();
  const reply = await admin.post(`/tickets/${id}/replies`, { body: 'We are on it.', status: 'waiting' }).expect(201);
  expect(reply.body.message).toMatchObject({
    kind: 'staff',
    author: adminCredentials.name,
    body: 'We are on it.',
    staffId: adminId,
  });
  const note = await admin.post(`/tickets/${id}/notes`, { body: 'VIP customer' }).expect(201);
  expect(note.body.message.kind).toBe('note');
  expect(await t.db('mail_outbox').pluck('template')).toEqual(['staff_replied']);
  const messages = await admin.get(`/tickets/${id}/messages`).expect(200);
  expect(messages.body.items.map((m: { kind: string }) => m.kind)).toEqual(['customer', 'staff', 'note']);
  expect((await admin.get(`/tickets/${id}`)).body.ticket.status).toBe('waiting');

  const patched = await admin
    .patch(`/tickets/${id}`, { priority: 'urgent', ownerId: adminId, due: '2026-12-24T10:00', status: 'on_hold' })
    .expect(200);
  expect(patched.body.ticket).toMatchObject({
    priority: 'urgent',
    status: 'on_hold',
    owner: { id: adminId, name: adminCredentials.name },
    dueAt: '2026-12-24T10:00:00.000Z',
  });
  expect((await admin.patch(`/tickets/${id}`, { due: null }).expect(200)).body.ticket.dueAt).toBeNull();
  expect((await admin.post(`/tickets/${id}/assign`, { ownerId: null }).expect(200)).body.ticket.owner).toBeNull();
  expect((await admin.post(`/tickets/${id}/assign`, { ownerId: 'me' }).expect(200)).body.ticket.owner.id).toBe(adminId);
  const closed = await admin.post(`/tickets/${id}/status`, { status: 'closed' }).expect(200);
  expect(closed.body.ticket).toMatchObject({ status: 'closed', statusIsOpen: false });
  expect((await admin.patch(`/tickets/${id}`, { categoryId: billing }).expect(200)).body.ticket.category).toEqual({
    id: billing,
    name: 'Billing',
  });

  const escalated = await admin.post(`/tickets/${id}/escalate`, { reason: 'Needs a refund decision' }).expect(200);
  expect(escalated.body.ticket).toMatchObject({ category: { id: billingTier2 }, tier: 2, owner: null });

  const other = await customerTicket(t);
  const merged = await admin.post(`/tickets/${other.id}/merge`, { into: dashed(trackingId) }).expect(200);
  expect(merged.body.ticket.id).toBe(id);
  expect((await admin.get(`/tickets/${other.id}`).expect(200)).body.ticket.mergedIntoId).toBe(id);
  // The merged ticket is read, never changed again: whatever a program sends there would be lost.
  expect((await admin.post(`/tickets/${other.id}/replies`, { body: 'Lost?' }).expect(409)).body.error.code).toBe(
    'merged',
  );
  await admin.post(`/tickets/${other.id}/notes`, { body: 'Lost?' }).expect(409);
  await admin.patch(`/tickets/${other.id}`, { priority: 'low' }).expect(409);
  await admin.post(`/tickets/${other.id}/status`, { status: 'open' }).expect(409);
  expect((await admin.get(`/tickets/${id}/messages`)).body.items).toHaveLength(4);

  const types = await t.db('ticket_events').where({ ticket_id: id }).orderBy('id').pluck('type');
  expect(types).toEqual(
    expect.arrayContaining([
      'ticket.staff_replied',
      'ticket.note_added',
      'ticket.priority_changed',
      'ticket.assigned',
      'ticket.status_changed',
      'ticket.category_changed',
      'ticket.escalated',
      'ticket.merged',
    ]),
  );

  const me = await admin.get('/me').expect(200);
  expect(me.body).toMatchObject({ id: adminId, isAdmin: true, token: { name: 'test' } });
});

test('statuses, priorities and the categories in reach tell a program which keys and ids to send', async () => {
  const statuses = (await sam.get('/statuses').expect(200)).body.items;
  expect(statuses).toEqual(
    expect.arrayContaining([
      { key: 'new', name: 'New', isOpen: true },
      { key: 'closed', name: 'Closed', isOpen: false },
    ]),
  );
  expect((await sam.get('/priorities').expect(200)).body.items.map((p: { key: string }) => p.key)).toEqual([
    'low',
    'normal',
    'high',
    'urgent',
  ]);
  expect((await sam.get('/categories').expect(200)).body.items).toEqual([
    { id: billing, name: 'Billing', tier: 1, escalatesToId: billingTier2 },
  ]);
  expect((await admin.get('/categories').expect(200)).body.items.map((c: { id: number }) => c.id).sort()).toEqual(
    [1, billing, billingTier2].sort(),
  );
  for (const path of ['/statuses', '/priorities', '/categories', '/me', '/tickets'])
    await request(t.app).get(`/api/v1${path}`).expect(401);
});

test('the customer lookup on the same path still works without a token; with one it is the staff view', async () => {
  const customer = await customerTicket(t);
  const email = (
    await t
      .db('tickets as t')
      .join('customers as c', 'c.id', 't.customer_id')
      .where('t.id', customer.id)
      .first('c.email')
  ).email;
  const anonymous = await request(t.app)
    .get(`/api/v1/tickets/${customer.trackingId}?email=${encodeURIComponent(email)}`)
    .expect(200);
  expect(anonymous.body.ticket.messages).toHaveLength(1);
  expect(anonymous.body.ticket.id).toBeUndefined();
  await request(t.app).get(`/api/v1/tickets/${customer.id}`).expect(404);
  const staff = await admin.get(`/tickets/${customer.trackingId}?email=${encodeURIComponent(email)}`).expect(200);
  expect(staff.body.ticket.id).toBe(customer.id);
});

// ---- Permissions: the same answers as the pages -------------------------------------------

/** A valid request for each route on a ticket, so a 404 can only come from access. */
function requestsFor(otherVisibleId: number): Record<string, unknown> {
  return {
    'GET /tickets/{ticket}': undefined,
    'GET /tickets/{ticket}/messages': undefined,
    'PATCH /tickets/{ticket}': { priority: 'high' },
    'POST /tickets/{ticket}/replies': { body: 'A reply' },
    'POST /tickets/{ticket}/notes': { body: 'A note' },
    'POST /tickets/{ticket}/assign': { ownerId: 'me' },
    'POST /tickets/{ticket}/status': { status: 'on_hold' },
    'POST /tickets/{ticket}/merge': { into: otherVisibleId },
    'POST /tickets/{ticket}/escalate': { reason: 'Tier 2, please' },
    // Needs a file on the ticket: its A/B case is in api-files-customers.test.ts.
    'GET /tickets/{ticket}/attachments/{attachment}': undefined,
  };
}

test('A/B: on every ticket route, a ticket of a category Sam may not see is a 404, the same as an unknown one', async () => {
  const hidden = await customerTicket(t, { category: 1, subject: 'Zebracorn invoice' });
  const visible = await customerTicket(t, { category: billing, subject: 'Zebracorn refund' });
  const target = await customerTicket(t, { category: billing });
  const matrix = requestsFor(target.id);
  const ticketRoutes = routesOf(apiRoutes(t.services)).filter((r) => r.includes('{ticket}'));
  expect(Object.keys(matrix).sort()).toEqual(ticketRoutes);
  const eventsBefore = await t.db('ticket_events').where({ ticket_id: hidden.id }).count<{ n: number }[]>({ n: '*' });
  const unknown = (await sam.get('/tickets/999999999').expect(404)).body;

  for (const [route, body] of Object.entries(matrix)) {
    const [method, path] = route.split(' ') as [string, string];
    if (path.includes('{attachment}')) continue;
    for (const ref of [String(hidden.id), hidden.trackingId, dashed(hidden.trackingId)]) {
      const res = await sam.send(method, path.replace('{ticket}', ref), body);
      expect([route, ref, res.status, res.body]).toEqual([route, ref, 404, unknown]);
    }
    // A: the same request on a ticket Sam may work succeeds.
    const mine = await customerTicket(t, { category: billing });
    const ok = await sam.send(method, path.replace('{ticket}', String(mine.id)), body);
    expect([route, ok.status]).toEqual([route, method === 'POST' && /replies|notes/.test(path) ? 201 : 200]);
  }
  expect(await t.db('messages').where({ ticket_id: hidden.id }).count<{ n: number }[]>({ n: '*' })).toEqual([{ n: 1 }]);
  expect(await t.db('ticket_events').where({ ticket_id: hidden.id }).count<{ n: number }[]>({ n: '*' })).toEqual(
    eventsBefore,
  );
  expect((await admin.get(`/tickets/${hidden.id}`)).body.ticket).toMatchObject({
    status: 'new',
    priority: 'normal',
    owner: null,
  });

  // ...and never in Sam's list, its total or a search.
  const all = await sam
    .get('/tickets?status=new&status=open&status=on_hold&status=replied&status=closed&size=100')
    .expect(200);
  expect(all.body.items.map((i: { id: number }) => i.id)).not.toContain(hidden.id);
  expect(all.body.total).toBe(all.body.items.length);
  const search = await sam.get('/tickets?q=zebracorn').expect(200);
  expect(search.body.items.map((i: { id: number }) => i.id)).toEqual([visible.id]);
  expect(search.body.total).toBe(1);
  expect((await sam.get(`/tickets?q=${hidden.trackingId}`).expect(200)).body).toMatchObject({ items: [], total: 0 });
  expect((await sam.get('/tickets?category=1&status=new').expect(200)).body).toMatchObject({ items: [], total: 0 });
  expect((await admin.get('/tickets?q=zebracorn').expect(200)).body.total).toBe(2);

  // Merging into a ticket Sam may not see: reported on the field, like an unknown ticket.
  const mergeHidden = await sam.post(`/tickets/${visible.id}/merge`, { into: hidden.trackingId }).expect(400);
  expect(mergeHidden.body.error.fields).toEqual({ into: expect.any(String) });
  expect((await sam.post(`/tickets/${visible.id}/merge`, { into: 999999999 }).expect(400)).body).toEqual(
    mergeHidden.body,
  );
  // Moving a ticket to a category out of reach: refused, like an unknown category.
  expect((await sam.patch(`/tickets/${visible.id}`, { categoryId: 1 }).expect(400)).body.error.fields).toEqual({
    categoryId: expect.any(String),
  });
});

test('a role without a capability gets 403 for that action', async () => {
  const roleId = await insertReturningId(t.db, 'roles', {
    name: 'Tier 1 light',
    capabilities: JSON.stringify(['tickets.view', 'tickets.reply']),
    created_at: 1,
    updated_at: 1,
  });
  await t.db('staff_users').where({ id: samId }).update({ role_id: roleId });
  try {
    const mine = await customerTicket(t, { category: billing });
    const other = await customerTicket(t, { category: billing });
    for (const [method, path, body] of [
      ['PATCH', `/tickets/${mine.id}`, { categoryId: billingTier2 }],
      ['PATCH', `/tickets/${mine.id}`, { ownerId: adminId }],
      ['POST', `/tickets/${mine.id}/assign`, { ownerId: adminId }],
      ['POST', `/tickets/${mine.id}/merge`, { into: other.id }],
    ] as const) {
      const res = await sam.send(method, path, body);
      expect([method, path, res.status, res.body.error?.code]).toEqual([method, path, 403, 'forbidden']);
    }
    await sam.post(`/tickets/${mine.id}/assign`, { ownerId: 'me' }).expect(200);
    await sam.patch(`/tickets/${mine.id}`, { priority: 'low' }).expect(200);
    await sam.post(`/tickets/${mine.id}/replies`, { body: 'Allowed' }).expect(201);
    // A missing capability is refused before any ticket is looked up: the answer tells nothing about the ticket.
    await sam.post(`/tickets/${(await customerTicket(t)).id}/merge`, { into: other.id }).expect(403);
  } finally {
    await t.db('staff_users').where({ id: samId }).update({ role_id: null });
  }
});

// ---- Bad input ----------------------------------------------------------------------------

test('wrong types, unknown fields, huge values and odd bodies are a 400 with field errors, never a crash', async () => {
  const { id } = await customerTicket(t);
  const fieldsOf = async (res: request.Test, status = 400) => {
    const r = await res.expect(status);
    expect(r.body.error.code).toBe('validation_failed');
    return r.body.error.fields as Record<string, string>;
  };
  expect(await fieldsOf(admin.patch(`/tickets/${id}`, { ownerId: 'abc' }))).toEqual({ ownerId: expect.any(String) });
  expect((await fieldsOf(admin.patch(`/tickets/${id}`, { status: 5 }))).status).toBe(
    'Expected a value of type string.',
  );
  expect(await fieldsOf(admin.patch(`/tickets/${id}`, {}))).toEqual({ body: 'Send at least one property to change.' });
  expect(await fieldsOf(admin.patch(`/tickets/${id}`, { priority: 'high', isAdmin: true }))).toEqual({
    isAdmin: 'Unknown field.',
  });
  expect(Object.keys(await fieldsOf(admin.patch(`/tickets/${id}`, { status: 'no_such_status' })))).toEqual(['status']);
  expect(Object.keys(await fieldsOf(admin.patch(`/tickets/${id}`, { ownerId: 999_999 })))).toEqual(['ownerId']);
  expect(Object.keys(await fieldsOf(admin.patch(`/tickets/${id}`, { due: 'tomorrow' })))).toEqual(['due']);
  expect(Object.keys(await fieldsOf(admin.post(`/tickets/${id}/replies`, { body: ['x'] })))).toEqual(['body']);
  expect(Object.keys(await fieldsOf(admin.post(`/tickets/${id}/replies`, { body: { $gt: '' } })))).toEqual(['body']);
  expect(Object.keys(await fieldsOf(admin.post(`/tickets/${id}/replies`, { body: '   ' })))).toEqual(['body']);
  expect(Object.keys(await fieldsOf(admin.post(`/tickets/${id}/replies`, { body: 'x'.repeat(50_001) })))).toEqual([
    'body',
  ]);
  expect(Object.keys(await fieldsOf(admin.post(`/tickets/${id}/replies`, { body: 'ok', status: 'bogus' })))).toEqual([
    'status',
  ]);
  expect(Object.keys(await fieldsOf(admin.post(`/tickets/${id}/notes`, { body: 'ok', kind: 'customer' })))).toEqual([
    'kind',
  ]);
  expect(Object.keys(await fieldsOf(admin.post(`/tickets/${id}/assign`, { ownerId: 1.5 })))).toEqual(['ownerId']);
  expect(Object.keys(await fieldsOf(admin.post(`/tickets/${id}/escalate`, { reason: 'x'.repeat(2001) })))).toEqual([
    'reason',
  ]);
  expect(Object.keys(await fieldsOf(admin.post(`/tickets/${id}/merge`, { into: id })))).toEqual(['into']);
  expect(Object.keys(await fieldsOf(admin.post(`/tickets/${id}/merge`, [1, 2])))).toEqual(['body']);

  for (const [query, field] of [
    ['page=100000', 'page'],
    ['page=0', 'page'],
    [`q=${'x'.repeat(5000)}`, 'q'],
    ['category=99999999999', 'category'],
    ['status[]=open', 'status[]'],
    ['status=nope', 'status'],
    ['priority=nope', 'priority'],
    ['owner=%3Cscript%3E', 'owner'],
    ['size=1000', 'size'],
    ['sort=nope', 'sort'],
    ['created_from=2026-02-31', 'created_from'],
    ['foo=1', 'foo'],
  ] as const) {
    expect([query, Object.keys(await fieldsOf(admin.get(`/tickets?${query}`)))]).toEqual([query, [field]]);
  }
  expect(
    Object.keys(await fieldsOf(admin.get(`/tickets?${Array.from({ length: 25 }, () => 'status=open').join('&')}`))),
  ).toEqual(['status']);

  const form = await request(t.app)
    .post(`/api/v1/tickets/${id}/notes`)
    .set('Authorization', `Bearer ${adminToken}`)
    .type('form')
    .send({ body: 'x' })
    .expect(415);
  expect(form.body.error.code).toBe('unsupported_media_type');
  const broken = await request(t.app)
    .post(`/api/v1/tickets/${id}/notes`)
    .set('Authorization', `Bearer ${adminToken}`)
    .set('Content-Type', 'application/json')
    .send('{"body": "x"')
    .expect(400);
  expect(broken.body.error).toBeDefined();
  await admin.post(`/tickets/${id}/notes`, { body: 'y'.repeat(1_100_000) }).expect(413);
  await admin.get('/tickets/0').expect(404);
  await admin.get('/tickets/-1').expect(404);
  await admin.get(`/tickets/${'9'.repeat(30)}`).expect(404);
  expect(await t.db('messages').where({ ticket_id: id }).count<{ n: number }[]>({ n: '*' })).toEqual([{ n: 1 }]);
});

test('HTML and script are stored as typed and returned as data', async () => {
  const { id } = await customerTicket(t);
  const text = '<script>alert(1)</script> & <img src=x onerror=alert(2)> "quotes"\nline two';
  await admin.post(`/tickets/${id}/notes`, { body: text }).expect(201);
  await admin.post(`/tickets/${id}/replies`, { body: text }).expect(201);
  const stored = await t.db('messages').where({ ticket_id: id }).whereIn('kind', ['note', 'staff']).pluck('body');
  expect(stored).toEqual([text, text]);
  const res = await admin.get(`/tickets/${id}/messages`).expect(200);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(res.headers['x-content-type-options']).toBe('nosniff');
  expect(res.body.items.slice(1).map((m: { body: string }) => m.body)).toEqual([text, text]);
});

test('concurrent replies through the API all land, in order', async () => {
  const { id } = await customerTicket(t, { category: billing });
  const senders = [admin, sam, admin, sam, admin, sam];
  const results = await Promise.all(
    senders.map((api, i) => api.post(`/tickets/${id}/replies`, { body: `Reply ${i}` })),
  );
  expect(results.map((r) => r.status)).toEqual(senders.map(() => 201));
  const items = (await admin.get(`/tickets/${id}/messages`).expect(200)).body.items as Array<{
    id: number;
    body: string;
    createdAt: string;
    kind: string;
  }>;
  const replies = items.filter((m) => m.kind === 'staff');
  expect(replies.map((m) => m.body).sort()).toEqual(senders.map((_, i) => `Reply ${i}`).sort());
  expect(replies.map((m) => m.id)).toEqual([...replies.map((m) => m.id)].sort((a, b) => a - b));
  expect(replies.map((m) => m.createdAt)).toEqual([...replies.map((m) => m.createdAt)].sort());
  expect(Number((await t.db('tickets').where({ id }).first('message_count')).message_count)).toBe(items.length);
});

test('PATCH is all or nothing: a refused field leaves the fields before it unchanged', async () => {
  const { id } = await customerTicket(t, { subject: 'Half a patch' });
  const before = (await admin.get(`/tickets/${id}`).expect(200)).body.ticket;
  const refused = await admin
    .patch(`/tickets/${id}`, { status: 'resolved', priority: 'urgent', due: '2026-12-24T10:00', categoryId: 999999 })
    .expect(400);
  expect(Object.keys(refused.body.error.fields)).toEqual(['categoryId']);
  const after = (await admin.get(`/tickets/${id}`).expect(200)).body.ticket;
  expect(after).toMatchObject({ status: before.status, priority: before.priority, dueAt: before.dueAt });
  expect(
    await t
      .db('ticket_events')
      .where({ ticket_id: id })
      .whereIn('type', ['ticket.status_changed', 'ticket.priority_changed', 'ticket.due_changed'])
      .first(),
  ).toBeUndefined();
  await admin.patch(`/tickets/${id}`, { status: 'resolved', priority: 'urgent' }).expect(200);
  expect(
    (
      await t
        .db('ticket_events')
        .where({ ticket_id: id })
        .whereIn('type', ['ticket.status_changed', 'ticket.priority_changed'])
        .pluck('type')
    ).sort(),
  ).toEqual(['ticket.priority_changed', 'ticket.status_changed']);
});
