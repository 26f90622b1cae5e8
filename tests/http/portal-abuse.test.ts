import { integrationAuth } from '../helpers/api-client';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { sweepLeftovers } from '../../src/jobs/cleanup';
import { csrfFrom, useInstalledApp, type InstalledApp } from '../helpers/installed-app';
import { openTicket, submitForm, validTicket } from '../helpers/portal';

let t: InstalledApp;
useInstalledApp((app) => (t = app), { freshRateLimits: true });

test('an upload aborted midway does not bring the server down', async () => {
  const server = http.createServer(t.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  try {
    const agent = request.agent(t.app);
    const page = await agent.get('/helpdesk/tickets/new');
    const cookie = ([] as string[])
      .concat(page.headers['set-cookie'] ?? [])
      .map((c) => c.split(';')[0])
      .join('; ');
    await new Promise<void>((resolve) => {
      const req = http.request({
        port,
        host: '127.0.0.1',
        method: 'POST',
        path: `/helpdesk/tickets/new?_csrf=${encodeURIComponent(csrfFrom(page.text))}`,
        headers: { Cookie: cookie, 'Content-Type': 'multipart/form-data; boundary=XyZ', 'Content-Length': '1000000' },
      });
      req.on('error', () => resolve());
      req.write(
        '--XyZ\r\nContent-Disposition: form-data; name="attachments"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n',
      );
      req.write(Buffer.alloc(100_000));
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 100);
    });
    await new Promise((r) => setTimeout(r, 200));
    await request(`http://127.0.0.1:${port}`).get('/healthz').expect(200);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});

test('bracketed field names cannot build huge arrays or objects', async () => {
  const agent = request.agent(t.app);
  const started = Date.now();
  const res = await submitForm(t, agent, { ...validTicket, 'name[100000000]': 'x' });
  expect(res.status).toBe(400);
  expect(Date.now() - started).toBeLessThan(5000);
  expect(res.text.length).toBeLessThan(100_000);
  expect((await submitForm(t, agent, { ...validTicket, 'subject[a]': 'x' })).status).toBe(400);
});

test('past the limit of misses even the right tracking ID and e-mail are refused', async () => {
  const id = await openTicket(t, request.agent(t.app));
  const agent = request.agent(t.app);
  const token = csrfFrom((await agent.get('/helpdesk/tickets')).text);
  const limit = await t.services.settings.get('spam.lookupFailuresPerHour');
  for (let i = 0; i < limit; i++)
    await agent
      .post('/helpdesk/tickets')
      .type('form')
      .send({ _csrf: token, tracking: id, email: `guess${i}@example.com` })
      .expect(404);
  await agent
    .post('/helpdesk/tickets')
    .type('form')
    .send({ _csrf: token, tracking: id, email: validTicket.email })
    .expect(429);
  await request(t.app).get(`/api/v1/tickets/${id}`).query({ email: validTicket.email }).expect(429);
});

test("a ticket merged into another customer's ticket never opens that ticket", async () => {
  const alice = request.agent(t.app);
  const aliceId = await openTicket(t, alice, { email: 'alice@example.org', subject: 'Alice ticket' });
  const bobId = await openTicket(t, request.agent(t.app), { email: 'bob@example.org', subject: 'Bob private data' });
  const bob = await t.db('tickets').where({ tracking_id: bobId }).first('id');
  await t.db('tickets').where({ tracking_id: aliceId }).update({ merged_into_id: bob.id });
  const res = await alice.get(`/helpdesk/tickets/${aliceId}`);
  expect(res.text).not.toContain('Bob private data');
  const api = await request(t.app).get(`/api/v1/tickets/${aliceId}`).query({ email: 'alice@example.org' });
  expect(JSON.stringify(api.body)).not.toContain('Bob private data');
});

test('the API takes JSON only, so other sites cannot post forms to it', async () => {
  const res = await request(t.app)
    .post('/api/v1/tickets')
    .set(await integrationAuth(t))
    .type('form')
    .send({ ...validTicket });
  expect(res.status).toBe(415);
  await request(t.app)
    .post('/api/v1/tickets')
    .set(await integrationAuth(t))
    .field('name', 'x')
    .expect(415);
});

test("someone else's address in the form does not rename that customer", async () => {
  await openTicket(t, request.agent(t.app), { email: 'victim@example.org', name: 'Victor Victim' });
  await openTicket(t, request.agent(t.app), { email: 'victim@example.org', name: 'URGENT call +1 555 0100 now' });
  const customer = await t.db('customers').where({ email: 'victim@example.org' }).first('name');
  expect(customer.name).toBe('Victor Victim');
});

test('first tickets from a new address arriving at once all succeed', async () => {
  for (let round = 0; round < 3; round++) {
    const email = `fresh${round}@example.org`;
    const auth = await integrationAuth(t);
    const results = await Promise.all(
      [1, 2, 3].map(() =>
        request(t.app)
          .post('/api/v1/tickets')
          .set(auth)
          .send({ name: 'Fresh', email, category: 1, subject: 'Hello', message: 'First contact' }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual([201, 201, 201]);
    expect(await t.db('customers').where({ email }).count<{ n: number }[]>({ n: '*' })).toEqual([{ n: 1 }]);
  }
});

test('NUL bytes in language and priority are refused before any query, never an error', async () => {
  await t.services.settings.save({ 'portal.customerPriority': true });
  try {
    for (const odd of [{ language: 'e\u0000x', priority: 'hi\u0000gh' }, { language: 'e\u0000x' }]) {
      const res = await request(t.app)
        .post('/api/v1/tickets')
        .set(await integrationAuth(t))
        .send({ name: 'N', email: 'nul@example.org', category: 1, subject: 's', message: 'm', ...odd });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('bad_form');
    }
    expect(await t.db('customers').where({ email: 'nul@example.org' }).first('id')).toBeUndefined();
    // An unknown language is refused (the API's contract), a known one is taken.
    await request(t.app)
      .post('/api/v1/tickets')
      .set(await integrationAuth(t))
      .send({ name: 'N', email: 'nul@example.org', category: 1, subject: 's', message: 'm', language: 'ex' })
      .expect(400);
    await request(t.app)
      .post('/api/v1/tickets')
      .set(await integrationAuth(t))
      .send({ name: 'N', email: 'nul@example.org', category: 1, subject: 's', message: 'm', language: 'sk' })
      .expect(201);
  } finally {
    await t.services.settings.save({ 'portal.customerPriority': false });
  }
});

test('the language switch never links to another site', async () => {
  const res = await request(t.app).get('/.//evil.example/x').expect(404);
  expect(res.text).not.toMatch(/href="\/\/evil/);
  expect(res.text).toContain('href="/evil.example/x?lang=sk"');
});

test('housekeeping removes expired counters and old leftover uploads', async () => {
  await t.db('rate_limits').insert({ bucket: 'old:counter', hits: 3, reset_at: t.clock.now() - 1 });
  const leftover = path.join(t.services.store.incomingDir, 'leftover-upload');
  fs.writeFileSync(leftover, 'x');
  t.clock.advance(2 * 3600_000);
  const swept = await sweepLeftovers(t.services);
  expect(swept.counters).toBeGreaterThanOrEqual(1);
  expect(swept.files).toBeGreaterThanOrEqual(1);
  expect(fs.existsSync(leftover)).toBe(false);
});
