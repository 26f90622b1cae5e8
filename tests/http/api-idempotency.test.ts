import request from 'supertest';
import { sweepLeftovers } from '../../src/jobs/cleanup';
import { apiAs, apiTokenFor, customerTicket, integrationAuth } from '../helpers/api-client';
import { adminCredentials, useInstalledApp, type InstalledApp } from '../helpers/installed-app';

let t: InstalledApp;
useInstalledApp((app) => (t = app), { freshRateLimits: true });

let n = 0;
const submission = () => ({
  name: 'Idem Potent',
  email: `idem${++n}@example.org`,
  category: 1,
  subject: `Repeat ${n}`,
  message: 'Sent twice by a retrying proxy.',
});
const count = async (table: string, where: Record<string, unknown>) =>
  Number((await t.db(table).where(where).count<{ n: number }[]>({ n: '*' }))[0]!.n);

test('POST /tickets with an Idempotency-Key: a repeat answers the first response and creates nothing', async () => {
  const body = submission();
  const auth = await integrationAuth(t);
  const first = await request(t.app)
    .post('/api/v1/tickets')
    .set(auth)
    .set('Idempotency-Key', 'order-4711')
    .send(body)
    .expect(201);
  const again = await request(t.app)
    .post('/api/v1/tickets')
    .set(auth)
    .set('Idempotency-Key', 'order-4711')
    .send({ ...body })
    .expect(201);
  expect(again.body).toEqual(first.body);
  expect(again.headers['idempotent-replayed']).toBe('true');
  expect(again.headers.location).toBe(first.headers.location);
  const customer = await t.db('customers').where({ email: body.email }).first('id');
  expect(await count('tickets', { customer_id: customer.id })).toBe(1);

  // The same key with another body is refused; nothing is made.
  const reused = await request(t.app)
    .post('/api/v1/tickets')
    .set(auth)
    .set('Idempotency-Key', 'order-4711')
    .send({ ...body, subject: 'Changed' })
    .expect(422);
  expect(reused.body.error.code).toBe('idempotency_key_reused');
  expect(await count('tickets', { customer_id: customer.id })).toBe(1);
  // Keys compare exactly (MariaDB's collation would call these equal).
  await request(t.app).post('/api/v1/tickets').set(auth).set('Idempotency-Key', 'ORDER-4711').send(body).expect(201);
  expect(await count('tickets', { customer_id: customer.id })).toBe(2);
  // The old "submissionKey" field is an unknown field now: the header is the one way.
  const field = await request(t.app)
    .post('/api/v1/tickets')
    .set(auth)
    .send({ ...body, submissionKey: 'x' })
    .expect(400);
  expect(field.body.error.fields).toEqual({ submissionKey: 'Unknown field.' });
});

test('a refused request does not use up its key; a malformed key is a 400', async () => {
  const auth = await integrationAuth(t);
  const body = submission();
  const bad = await request(t.app)
    .post('/api/v1/tickets')
    .set(auth)
    .set('Idempotency-Key', 'k-bad')
    .send({ ...body, category: 999 })
    .expect(400);
  expect(bad.body.error.code).toBe('validation_failed');
  await request(t.app)
    .post('/api/v1/tickets')
    .set(auth)
    .set('Idempotency-Key', 'k-bad')
    .send({ ...body, category: 999 })
    .expect(400);
  await request(t.app).post('/api/v1/tickets').set(auth).set('Idempotency-Key', 'k-bad').send(body).expect(201);
  for (const key of ['', 'x'.repeat(192), 'with space', 'tab\there']) {
    const res = await request(t.app).post('/api/v1/tickets').set(auth).set('Idempotency-Key', key).send(submission());
    expect([key, res.status, res.body.error?.code]).toEqual([key, 400, 'invalid_idempotency_key']);
  }
});

test('keys belong to one token: another token with the same key creates its own ticket', async () => {
  const other = { Authorization: `Bearer ${await apiTokenFor(t, adminCredentials.email, 'Second integration')}` };
  const body = submission();
  await request(t.app)
    .post('/api/v1/tickets')
    .set(await integrationAuth(t))
    .set('Idempotency-Key', 'shared')
    .send(body)
    .expect(201);
  await request(t.app).post('/api/v1/tickets').set(other).set('Idempotency-Key', 'shared').send(body).expect(201);
});

test('two concurrent requests with one key create one ticket, one reply and one note', async () => {
  const auth = await integrationAuth(t);
  for (let round = 0; round < 3; round++) {
    const body = submission();
    const results = await Promise.all(
      [1, 2, 3].map(() =>
        request(t.app).post('/api/v1/tickets').set(auth).set('Idempotency-Key', `race-${round}`).send(body),
      ),
    );
    // Each answer is the first one's (201, replayed) or "still running" (409); exactly one ticket.
    for (const r of results) expect([201, 409]).toContain(r.status);
    const created = results.filter((r) => r.status === 201);
    expect(created.length).toBeGreaterThanOrEqual(1);
    for (const r of created) expect(r.body).toEqual(created[0]!.body);
    const customer = await t.db('customers').where({ email: body.email }).first('id');
    expect(await count('tickets', { customer_id: customer.id })).toBe(1);
    // Once finished, a retry gets the first answer.
    const retry = await request(t.app)
      .post('/api/v1/tickets')
      .set(auth)
      .set('Idempotency-Key', `race-${round}`)
      .send(body)
      .expect(201);
    expect(retry.body).toEqual(created[0]!.body);
  }
  const ticket = await customerTicket(t);
  const api = apiAs(t, (await integrationAuth(t)).Authorization.slice(7));
  for (const kind of ['replies', 'notes'] as const) {
    const mailsBefore = await count('mail_outbox', { ticket_id: ticket.id });
    const send = () =>
      api.post(`/tickets/${ticket.id}/${kind}`, { body: `Only once (${kind})` }).set('Idempotency-Key', `msg-${kind}`);
    const results = await Promise.all([send(), send(), send()]);
    for (const r of results) expect([201, 409]).toContain(r.status);
    const replay = await send().expect(201);
    expect(replay.body.message.body).toBe(`Only once (${kind})`);
    expect(await count('messages', { ticket_id: ticket.id, body: `Only once (${kind})` })).toBe(1);
    // The reply is mailed to the customer once; a note to nobody.
    expect(await count('mail_outbox', { ticket_id: ticket.id })).toBe(mailsBefore + (kind === 'replies' ? 1 : 0));
  }
});

test('keys expire after 24 hours and the sweep removes them', async () => {
  const auth = await integrationAuth(t);
  const body = submission();
  await request(t.app).post('/api/v1/tickets').set(auth).set('Idempotency-Key', 'day-old').send(body).expect(201);
  t.clock.advance(24 * 3600_000 + 1000);
  await t.db('rate_limits').where('bucket', 'like', 'submit%').del();
  // After a day the key is new again (whether or not the sweep ran).
  await request(t.app).post('/api/v1/tickets').set(auth).set('Idempotency-Key', 'day-old').send(body).expect(201);
  t.clock.advance(24 * 3600_000 + 1000);
  const swept = await sweepLeftovers(t.services);
  expect(swept.idempotencyKeys).toBeGreaterThanOrEqual(1);
  expect(await count('api_idempotency_keys', {})).toBe(0);
});
