import request from 'supertest';
import {
  adminCredentials,
  csrfFrom,
  useInstalledApp,
  signIn,
  staffCredentials,
  type InstalledApp,
} from '../helpers/installed-app';
import { loginLimits } from '../../src/security/login-throttle';

let t: InstalledApp;
useInstalledApp((app) => (t = app), { freshRateLimits: true });

const sessionCookie = (res: request.Response) =>
  ([] as string[])
    .concat(res.headers['set-cookie'] ?? [])
    .find((c) => c.startsWith('tessera.sid='))
    ?.split(';')[0];

test('/admin sends anonymous visitors to sign in and back afterwards', async () => {
  await request(t.app).get('/admin').expect(303).expect('Location', '/admin/login?next=%2Fadmin');
  const agent = request.agent(t.app);
  const page = await agent.get('/admin/login?next=%2Fadmin%3Ftab%3D2').expect(200);
  expect(page.text).toContain('name="next" value="/admin?tab=2"');
  await agent
    .post('/admin/login')
    .type('form')
    .send({
      _csrf: csrfFrom(page.text),
      email: adminCredentials.email,
      password: adminCredentials.password,
      next: '/admin?tab=2',
    })
    .expect(303)
    .expect('Location', '/admin?tab=2');
});

test('a correct sign-in lands on the dashboard with a new session id', async () => {
  const agent = request.agent(t.app);
  const page = await agent.get('/admin/login').expect(200);
  // Showing the form stores no session: its CSRF token is bound to a form cookie of its own.
  expect(sessionCookie(page)).toBeUndefined();
  const res = await agent
    .post('/admin/login')
    .type('form')
    .send({ _csrf: csrfFrom(page.text), email: 'ADA@example.com', password: adminCredentials.password })
    .expect(303);
  expect(res.headers.location).toBe('/admin');
  const after = sessionCookie(res);
  expect(after).toBeDefined();
  const dash = await agent.get('/admin').expect(200);
  expect(dash.text).toContain('Welcome, Ada Admin');
  const cookie = ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((c) => c.startsWith('tessera.sid='))!;
  expect(cookie).toMatch(/HttpOnly/i);
  expect(cookie).toMatch(/SameSite=Lax/i);
});

test('a wrong password, an unknown account and a deactivated one all get the same answer', async () => {
  await t.db('staff_users').where({ email: staffCredentials.email }).update({ is_active: false });
  try {
    for (const creds of [
      { email: adminCredentials.email, password: 'wrong password entirely' },
      { email: 'nobody@example.com', password: 'whatever it is here' },
      staffCredentials,
    ]) {
      const res = await signIn(request.agent(t.app), creds);
      expect(res.status).toBe(401);
      expect(res.text).toContain('The e-mail address or password is not correct.');
      expect(res.text).toContain(`value="${creds.email}"`);
    }
  } finally {
    await t.db('staff_users').where({ email: staffCredentials.email }).update({ is_active: true });
  }
});

test('sign-in is throttled per account and address after repeated failures, even with the right password', async () => {
  for (let i = 0; i < loginLimits.perPair.max; i++) {
    expect((await signIn(request.agent(t.app), { email: staffCredentials.email, password: `wrong-${i}` })).status).toBe(
      401,
    );
  }
  const blocked = await signIn(request.agent(t.app), staffCredentials);
  expect(blocked.status).toBe(429);
  expect(blocked.headers['retry-after']).toBeDefined();
  expect(blocked.text).toContain('Too many failed sign-in attempts');
  // Another account from the same address is not affected yet.
  expect((await signIn(request.agent(t.app), adminCredentials)).status).toBe(303);
  // The window passes.
  t.clock.advance(loginLimits.perPair.windowMs + 1000);
  expect((await signIn(request.agent(t.app), staffCredentials)).status).toBe(303);
});

test('sign-in is throttled per IP address across accounts', async () => {
  for (let i = 0; i < loginLimits.perIp.max; i++) {
    await signIn(request.agent(t.app), { email: `nobody${i}@example.com`, password: 'not a real password' });
  }
  const blocked = await signIn(request.agent(t.app), adminCredentials);
  expect(blocked.status).toBe(429);
  t.clock.advance(loginLimits.perIp.windowMs + 1000);
});

test('sign-out ends the session on the server', async () => {
  const agent = request.agent(t.app);
  await signIn(agent, adminCredentials).then((r) => expect(r.status).toBe(303));
  const dash = await agent.get('/admin').expect(200);
  const cookie = sessionCookie(await agent.get('/admin/login?next=/admin'))!;
  await agent
    .post('/admin/logout')
    .type('form')
    .send({ _csrf: csrfFrom(dash.text) })
    .expect(303)
    .expect('Location', '/admin/login?signed_out=1');
  await agent.get('/admin').expect(303);
  // The old cookie replayed by someone else no longer works either.
  expect(cookie).toBeDefined();
  await request(t.app).get('/admin').set('Cookie', cookie!).expect(303);
});

test('redirects after sign-in go to local paths only', async () => {
  for (const next of [
    'https://evil.example',
    '//evil.example/x',
    '/\\evil.example',
    'javascript:alert(1)',
    '/%0d%0aSet-Cookie:x=1',
    ' /admin',
    '/.//evil.example',
    '/%2e//evil.example',
    '/a/..//evil.example',
  ]) {
    const agent = request.agent(t.app);
    const page = await agent.get('/admin/login');
    const res = await agent
      .post('/admin/login')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), ...adminCredentials, next });
    expect(res.status).toBe(303);
    expect(res.headers.location).toMatch(/^\/(?![/\\])/);
    expect(res.headers.location).not.toContain('evil');
    expect(res.headers.location).not.toMatch(/[\r\n]/);
  }
});

test('a signed-in visitor is never redirected off-site from the login page', async () => {
  const agent = request.agent(t.app);
  expect((await signIn(agent, adminCredentials)).status).toBe(303);
  for (const next of ['/.//evil.example', '/%2e//evil.example', '//evil.example', '/a/..//evil.example']) {
    const res = await agent.get(`/admin/login?next=${encodeURIComponent(next)}`).expect(303);
    expect(res.headers.location).toBe('/admin');
  }
});

test('a burst of parallel wrong passwords is throttled like sequential ones', async () => {
  const attempts = await Promise.all(
    Array.from({ length: loginLimits.perPair.max + 6 }, async (_, i) => {
      const agent = request.agent(t.app);
      const page = await agent.get('/admin/login');
      return agent
        .post('/admin/login')
        .type('form')
        .send({ _csrf: csrfFrom(page.text), email: staffCredentials.email, password: `wrong-${i}` });
    }),
  );
  const statuses = attempts.map((r) => r.status);
  expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(loginLimits.perPair.max);
  expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(6);
  t.clock.advance(loginLimits.perPair.windowMs + 1000);
});

test('a form without a valid CSRF token is refused', async () => {
  const agent = request.agent(t.app);
  await agent.get('/admin/login');
  const missing = await agent
    .post('/admin/login')
    .type('form')
    .send({ email: adminCredentials.email, password: adminCredentials.password });
  expect(missing.status).toBe(403);
  expect(missing.text).toContain('This form has expired');
  const forged = await agent
    .post('/admin/login')
    .type('form')
    .send({ _csrf: 'forged', email: adminCredentials.email, password: adminCredentials.password });
  expect(forged.status).toBe(403);
  // A token from another visitor's session does not work either.
  const other = request.agent(t.app);
  const otherToken = csrfFrom((await other.get('/admin/login')).text);
  expect(
    (
      await agent
        .post('/admin/login')
        .type('form')
        .send({ _csrf: otherToken, ...adminCredentials })
    ).status,
  ).toBe(403);
});

test('arrays and objects where strings are expected are a clear 400', async () => {
  const agent = request.agent(t.app);
  const token = csrfFrom((await agent.get('/admin/login')).text);
  const res = await agent
    .post('/admin/login')
    .type('form')
    .send(`_csrf=${encodeURIComponent(token)}&email=a@example.com&email=b@example.com&password=x`);
  expect(res.status).toBe(400);
  expect(res.text).toContain('Enter your e-mail address and password.');
});

test('the session ends after the absolute timeout even when active', async () => {
  const agent = request.agent(t.app);
  expect((await signIn(agent, adminCredentials)).status).toBe(303);
  await agent.get('/admin').expect(200);
  t.clock.advance(t.config.session.absoluteHours * 3600_000 + 1000);
  await agent.get('/admin').expect(303);
});
