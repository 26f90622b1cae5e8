import { integrationAuth } from '../helpers/api-client';
import request from 'supertest';
import { useInstalledApp, type InstalledApp } from '../helpers/installed-app';

let t: InstalledApp;
useInstalledApp((app) => (t = app), { freshRateLimits: true });

const ticket = {
  name: 'Api Client',
  email: 'api@example.org',
  category: 1,
  subject: 'From the API',
  message: 'Created by a program.',
};

test('POST /api/v1/tickets creates a ticket like the web form, GET reads it back', async () => {
  const created = await request(t.app)
    .post('/api/v1/tickets')
    .set(await integrationAuth(t))
    .send(ticket)
    .expect(201);
  expect(created.body.ticket.trackingId).toMatch(/^[2-9A-HJKMNP-Z]{3}-[2-9A-HJKMNP-Z]{3}-[2-9A-HJKMNP-Z]{4}$/);
  expect(created.body.ticket.status).toBe('new');
  const id = created.body.ticket.trackingId as string;
  const read = await request(t.app).get(`/api/v1/tickets/${id}`).query({ email: 'API@example.org' }).expect(200);
  expect(read.body.ticket.subject).toBe('From the API');
  expect(read.body.ticket.messages).toHaveLength(1);
  expect(read.body.ticket.messages[0].body).toBe('Created by a program.');
  const row = await t
    .db('tickets')
    .where({ tracking_id: id.replace(/-/g, '') })
    .first('source');
  expect(row.source).toBe('api');
});

test('the same validation as the web form, with readable field errors', async () => {
  const res = await request(t.app)
    .post('/api/v1/tickets')
    .set(await integrationAuth(t))
    .send({ ...ticket, email: ['a@b.c'], subject: { $gt: '' }, message: '' })
    .expect(400);
  expect(res.body.error.code).toBe('validation_failed');
  expect(res.body.error.fields.email).toBe('Enter a valid value.');
  expect(res.body.error.fields.subject).toBe('Enter a valid value.');
  expect(res.body.error.fields.message).toBe('Fill in this field.');
  await request(t.app)
    .post('/api/v1/tickets')
    .set(await integrationAuth(t))
    .set('Content-Type', 'application/json')
    .send('{"broken json')
    .expect(400);
  await request(t.app)
    .post('/api/v1/tickets')
    .set(await integrationAuth(t))
    .send([ticket])
    .expect(400);
});

test('wrong e-mail, unknown ID and malformed ID are the same 404, and misses are rate limited', async () => {
  const created = await request(t.app)
    .post('/api/v1/tickets')
    .set(await integrationAuth(t))
    .send(ticket)
    .expect(201);
  const id = created.body.ticket.trackingId as string;
  const wrong = await request(t.app).get(`/api/v1/tickets/${id}`).query({ email: 'other@example.org' }).expect(404);
  const unknown = await request(t.app)
    .get('/api/v1/tickets/ABC-234-DEFG')
    .query({ email: 'api@example.org' })
    .expect(404);
  const malformed = await request(t.app).get('/api/v1/tickets/nope').expect(404);
  expect(wrong.body).toEqual(unknown.body);
  expect(malformed.body).toEqual(unknown.body);
  const limit = await t.services.settings.get('spam.lookupFailuresPerHour');
  for (let i = 0; i < limit; i++)
    await request(t.app).get('/api/v1/tickets/ABC-234-DEFG').query({ email: 'x@example.org' });
  const blocked = await request(t.app).get(`/api/v1/tickets/${id}`).query({ email: 'nobody@example.org' }).expect(429);
  expect(blocked.body.error.code).toBe('too_many_requests');
});

test('bans and the per-address submission limit apply to the API too', async () => {
  await t.db('bans').insert({ kind: 'domain', value: 'banned.example', created_at: 0 });
  const banned = await request(t.app)
    .post('/api/v1/tickets')
    .set(await integrationAuth(t))
    .send({ ...ticket, email: 'x@banned.example' })
    .expect(403);
  expect(banned.body.error.code).toBe('submission_refused');
  await t.services.settings.save({ 'spam.submissionsPerHour': 2, 'portal.maxOpenPerEmail': 0 });
  try {
    await request(t.app)
      .post('/api/v1/tickets')
      .set(await integrationAuth(t))
      .send({ ...ticket, email: 'one@example.org' })
      .expect(201);
    await request(t.app)
      .post('/api/v1/tickets')
      .set(await integrationAuth(t))
      .send({ ...ticket, email: 'two@example.org' })
      .expect(201);
    await request(t.app)
      .post('/api/v1/tickets')
      .set(await integrationAuth(t))
      .send({ ...ticket, email: 'three@example.org' })
      .expect(429);
  } finally {
    await t.services.settings.save({ 'spam.submissionsPerHour': 10, 'portal.maxOpenPerEmail': 10 });
  }
});

test('opening a ticket through the API needs a staff token: the web form\u2019s anti-spam checks cannot apply to a program', async () => {
  // Without a token: 401, however well the body imitates the web form (answer, fill time, honeypot).
  const anonymous = await request(t.app)
    .post('/api/v1/tickets')
    .send({ ...ticket, email: 'anon@example.org' })
    .expect(401);
  expect(anonymous.body.error.code).toBe('unauthorized');
  expect(await t.db('customers').where({ email: 'anon@example.org' }).first('id')).toBeUndefined();
  // The web form's own fields are unknown to the API.
  const formish = await request(t.app)
    .post('/api/v1/tickets')
    .set(await integrationAuth(t))
    .send({ ...ticket, answer: '4', website: '', shown: 'x' })
    .expect(400);
  expect(Object.keys(formish.body.error.fields).sort()).toEqual(['answer', 'shown', 'website']);
});
