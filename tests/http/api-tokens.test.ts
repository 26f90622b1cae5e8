import { integrationAuth } from '../helpers/api-client';
import { createHash } from 'node:crypto';
import request from 'supertest';
import { tokensPerPerson } from '../../src/api-tokens/api-tokens.service';
import { tokenFailureLimit } from '../../src/web/api/bearer-auth';
import {
  adminCredentials,
  csrfFrom,
  signedInAgent,
  staffCredentials,
  useInstalledApp,
  type InstalledApp,
} from '../helpers/installed-app';

let t: InstalledApp;
useInstalledApp((app) => (t = app), { freshRateLimits: true });

const staffAgent = (creds: { email: string; password: string }) => signedInAgent(t, creds);

/** Creates a token on the page like a person and returns it as the page shows it (once). */
async function createOnPage(agent: request.Agent, name: string, expires = '90'): Promise<string> {
  const token = csrfFrom((await agent.get('/admin/api-tokens').expect(200)).text);
  const res = await agent.post('/admin/api-tokens').type('form').send({ _csrf: token, name, expires }).expect(201);
  expect(res.headers['cache-control']).toBe('no-store');
  const shown = /<code class="api-token-once__value" id="new-token">([^<]+)<\/code>/.exec(res.text)?.[1];
  expect(shown).toMatch(/^tsr_[A-Za-z0-9_-]{43}$/);
  return shown!;
}

const me = (token: string) => request(t.app).get('/api/v1/me').set('Authorization', `Bearer ${token}`);

test('a token is shown once, stored only as its hash, works, notes its last use at most once a minute, and is revoked', async () => {
  const sam = await staffAgent(staffCredentials);
  const token = await createOnPage(sam, 'Report <script>x</script>');

  const row = await t.db('api_tokens').where({ name: 'Report <script>x</script>' }).first();
  expect(row.token_hash).toBe(createHash('sha256').update(token).digest('hex'));
  expect(JSON.stringify(row)).not.toContain(token.slice(4));
  expect(row.token_hint).toBe(token.slice(0, 10));
  expect(row.last_used_at).toBeNull();

  // The list shows the name inert and never the token again.
  const page = await sam.get('/admin/api-tokens').expect(200);
  expect(page.text).toContain('Report &lt;script&gt;x&lt;/script&gt;');
  expect(page.text).not.toContain(token);
  expect(page.text).toContain(`${token.slice(0, 10)}…`);

  const who = await me(token).expect(200);
  expect(who.body).toMatchObject({
    email: staffCredentials.email,
    isAdmin: false,
    token: { name: 'Report <script>x</script>' },
  });
  const firstUse = Number((await t.db('api_tokens').where({ id: row.id }).first('last_used_at')).last_used_at);
  expect(firstUse).toBe(t.clock.now());
  t.clock.advance(30_000);
  await me(token).expect(200);
  expect(Number((await t.db('api_tokens').where({ id: row.id }).first('last_used_at')).last_used_at)).toBe(firstUse);
  t.clock.advance(31_000);
  await me(token).expect(200);
  expect(Number((await t.db('api_tokens').where({ id: row.id }).first('last_used_at')).last_used_at)).toBe(
    t.clock.now(),
  );

  const csrf = csrfFrom(page.text);
  await sam.post(`/admin/api-tokens/${row.id}/revoke`).type('form').send({}).expect(403);
  await sam.post(`/admin/api-tokens/${row.id}/revoke`).type('form').send({ _csrf: csrf }).expect(303);
  const refused = await me(token).expect(401);
  expect(refused.headers['www-authenticate']).toMatch(/^Bearer /);
  expect(refused.body.error.code).toBe('invalid_token');

  const audit = await t
    .db('audit_log')
    .where({ target_type: 'api_token', target_id: String(row.id) })
    .orderBy('id')
    .select('action', 'staff_name', 'details');
  expect(audit.map((a: { action: string }) => a.action)).toEqual(['api_token.created', 'api_token.revoked']);
  expect(audit[0].details).not.toContain(token.slice(4));
});

test('no token, a malformed, unknown or expired token: 401 with WWW-Authenticate', async () => {
  const none = await request(t.app).get('/api/v1/tickets').expect(401);
  expect(none.headers['www-authenticate']).toBe('Bearer realm="tessera"');
  expect(none.body).toEqual({ error: { code: 'unauthorized', message: expect.any(String) } });
  for (const header of [
    'Bearer',
    'Bearer nonsense',
    'Basic dXNlcjpwYXNz',
    `Bearer tsr_${'A'.repeat(43)}`,
    `Bearer tsr_${'A'.repeat(4000)}`,
  ]) {
    const res = await request(t.app).get('/api/v1/tickets').set('Authorization', header).expect(401);
    expect(res.body.error.code).toBe('invalid_token');
  }

  const sam = await staffAgent(staffCredentials);
  const token = await createOnPage(sam, 'Short-lived', '30');
  await me(token).expect(200);
  t.clock.advance(30 * 86_400_000);
  await me(token).expect(401);
  const page = await (await staffAgent(staffCredentials)).get('/admin/api-tokens').expect(200);
  expect(page.text).toContain('Expired');
});

test('a deactivated staff member\u2019s tokens stop working at once; a changed role applies at once', async () => {
  const admin = await staffAgent(adminCredentials);
  const token = await createOnPage(admin, 'Admin script', 'never');
  await request(t.app).get('/api/v1/tickets').set('Authorization', `Bearer ${token}`).expect(200);
  const sam = await staffAgent(staffCredentials);
  const samToken = await createOnPage(sam, 'Sam script');
  const samId = (await t.db('staff_users').where({ email: staffCredentials.email }).first('id')).id;

  // A role without tickets.reply: reading works, replying is 403.
  const [roleId] = await t
    .db('roles')
    .insert({ name: 'Read only', capabilities: JSON.stringify(['tickets.view']), created_at: 1, updated_at: 1 })
    .returning('id');
  await t
    .db('staff_users')
    .where({ id: samId })
    .update({ role_id: typeof roleId === 'object' ? roleId.id : roleId });
  await t.db('staff_categories').insert({ staff_id: samId, category_id: 1 });
  try {
    await me(samToken).expect(200);
    const ticket = await request(t.app)
      .post('/api/v1/tickets')
      .set(await integrationAuth(t))
      .send({ name: 'Carla', email: 'carla@example.net', category: 1, subject: 'Hello', message: 'Hi there' });
    const id = (await t.db('tickets').orderBy('id', 'desc').first('id')).id;
    expect([200, 201]).toContain(ticket.status);
    await request(t.app).get(`/api/v1/tickets/${id}`).set('Authorization', `Bearer ${samToken}`).expect(200);
    const denied = await request(t.app)
      .post(`/api/v1/tickets/${id}/replies`)
      .set('Authorization', `Bearer ${samToken}`)
      .send({ body: 'x' })
      .expect(403);
    expect(denied.body.error.code).toBe('forbidden');

    await t.db('staff_users').where({ id: samId }).update({ is_active: false });
    await me(samToken).expect(401);
    await me(token).expect(200);
  } finally {
    await t.db('staff_users').where({ id: samId }).update({ is_active: true, role_id: null });
    await t.db('staff_categories').where({ staff_id: samId }).del();
  }
});

test('staff see and revoke only their own tokens; administrators see and revoke everyone\u2019s', async () => {
  const sam = await staffAgent(staffCredentials);
  const admin = await staffAgent(adminCredentials);
  const samToken = await createOnPage(sam, 'Sam private');
  const adminToken = await createOnPage(admin, 'Ada private');
  const samRow = await t.db('api_tokens').where({ name: 'Sam private' }).first('id');
  const adminRow = await t.db('api_tokens').where({ name: 'Ada private' }).first('id');

  const samPage = await sam.get('/admin/api-tokens').expect(200);
  expect(samPage.text).not.toContain('Ada private');
  const csrf = csrfFrom(samPage.text);
  await sam.post(`/admin/api-tokens/${adminRow.id}/revoke`).type('form').send({ _csrf: csrf }).expect(404);
  await sam.post('/admin/api-tokens/abc/revoke').type('form').send({ _csrf: csrf }).expect(404);
  await sam.post('/admin/api-tokens/99999999999/revoke').type('form').send({ _csrf: csrf }).expect(404);
  await me(adminToken).expect(200);

  const adminPage = await admin.get('/admin/api-tokens').expect(200);
  expect(adminPage.text).toContain('Sam private');
  expect(adminPage.text).toContain('Sam Staff');
  await admin
    .post(`/admin/api-tokens/${samRow.id}/revoke`)
    .type('form')
    .send({ _csrf: csrfFrom(adminPage.text) })
    .expect(303);
  await me(samToken).expect(401);
  const audit = await t
    .db('audit_log')
    .where({ action: 'api_token.revoked', target_id: String(samRow.id) })
    .first('staff_name');
  expect(audit.staff_name).toBe(adminCredentials.name);
});

test('the form keeps values and explains problems; wrong types are a 400, not a crash', async () => {
  const sam = await staffAgent(staffCredentials);
  const csrf = csrfFrom((await sam.get('/admin/api-tokens').expect(200)).text);
  const empty = await sam
    .post('/admin/api-tokens')
    .type('form')
    .send({ _csrf: csrf, name: '', expires: '90' })
    .expect(400);
  expect(empty.text).toContain('href="#name"');
  const huge = await sam
    .post('/admin/api-tokens')
    .type('form')
    .send({ _csrf: csrf, name: 'x'.repeat(500), expires: '7' })
    .expect(400);
  expect(huge.text).toContain('href="#expires"');
  await sam
    .post('/admin/api-tokens')
    .type('form')
    .send(`_csrf=${encodeURIComponent(csrf)}&name=a&name=b&expires=90`)
    .expect(400);
  await sam.post('/admin/api-tokens').type('form').send({ name: 'No CSRF', expires: '90' }).expect(403);
  expect(await t.db('api_tokens').where({ name: 'No CSRF' }).first()).toBeUndefined();
  const manage = await sam.get('/admin/manage').expect(200);
  expect(manage.text).toContain('/admin/api-tokens');
  await request(t.app).get('/admin/api-tokens').expect(303);
});

test('failed token attempts are limited per address; a valid token is never locked out by them', async () => {
  const admin = await staffAgent(adminCredentials);
  const good = await createOnPage(admin, 'Good one');
  const wrong = () =>
    request(t.app)
      .get('/api/v1/me')
      .set('Authorization', `Bearer tsr_${'B'.repeat(43)}`);
  for (let i = 0; i < tokenFailureLimit.max; i++) await wrong().expect(401);
  const limited = await wrong().expect(429);
  expect(limited.headers['retry-after']).toBeDefined();
  // Someone else's failures from the same address (a shared office NAT) do not stop a real token.
  await me(good).expect(200);
  // Requests without a token (the customer endpoints) are not affected.
  await request(t.app).get('/api/v1/openapi.json').expect(200);
  t.clock.advance(tokenFailureLimit.windowMs);
  await wrong().expect(401);
});

test('one person holds at most so many tokens; revoking one makes room', async () => {
  const sam = await staffAgent(staffCredentials);
  const samId = Number((await t.db('staff_users').where({ email: staffCredentials.email }).first('id')).id);
  const now = t.clock.now();
  const have = Number((await t.db('api_tokens').where({ staff_id: samId }).count<{ n: number }[]>({ n: '*' }))[0]!.n);
  const rows = Array.from({ length: tokensPerPerson - have }, (_, i) => ({
    staff_id: samId,
    name: `Bulk ${i}`,
    token_hash: createHash('sha256').update(`bulk-${i}`).digest('hex'),
    token_hint: 'tsr_bulk00',
    created_at: now,
    expires_at: null,
    last_used_at: null,
  }));
  if (rows.length) await t.db('api_tokens').insert(rows);
  const csrf = csrfFrom((await sam.get('/admin/api-tokens').expect(200)).text);
  const refused = await sam
    .post('/admin/api-tokens')
    .type('form')
    .send({ _csrf: csrf, name: 'One too many', expires: '90' })
    .expect(400);
  expect(refused.text).toContain(`You have ${tokensPerPerson} tokens already.`);
  expect(refused.text).toContain('value="One too many"');
  expect(await t.db('api_tokens').where({ name: 'One too many' }).first()).toBeUndefined();
  const one = (await t.db('api_tokens').where({ staff_id: samId, name: 'Bulk 0' }).first('id')).id;
  await sam.post(`/admin/api-tokens/${one}/revoke`).type('form').send({ _csrf: csrf }).expect(303);
  await createOnPage(sam, 'One too many');
});
