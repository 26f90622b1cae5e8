import type { Express } from 'express';
import request from 'supertest';
import { dateAsISO } from 'connect-session-knex/dist/utils';
import { loadConfig } from '../../src/config/load-config';
import { readSessionRow } from '../../src/sessions/sessions.repo';
import { createApp } from '../../src/web/app';
import { adminCredentials, behindProxy, csrfFrom, useInstalledApp, type InstalledApp } from '../helpers/installed-app';
import { tempDir } from '../helpers/test-db';

// Issue 18 item 25: sessions stored only when they hold something, __Host- cookie and HSTS over HTTPS, a short idle timeout.
let t: InstalledApp;
let proxied: Express;
useInstalledApp(
  (app) => {
    t = app;
    proxied = behindProxy(app);
  },
  { freshRateLimits: true },
);

const sessionRows = async () => Number((await t.db('sessions').count({ n: '*' }).first())?.n);
const cookies = (res: request.Response) => ([] as string[]).concat(res.headers['set-cookie'] ?? []);
const cookieNamed = (res: request.Response, name: string) => cookies(res).find((c) => c.startsWith(`${name}=`));

test('20 anonymous visits of form pages store no session, and their forms still pass the CSRF check', async () => {
  const before = await sessionRows();
  for (let i = 0; i < 20; i++) {
    const res = await request(t.app)
      .get(
        ['/helpdesk/tickets/new', '/admin/login', '/helpdesk/tickets', '/admin/forgot-password', '/helpdesk/forgot'][
          i % 5
        ]!,
      )
      .expect(200);
    expect(cookieNamed(res, 'tessera.sid')).toBeUndefined();
  }
  expect(await sessionRows()).toBe(before);

  // The sign-in form from such a page works, and only the sign-in stores a session.
  const agent = request.agent(t.app);
  const page = await agent.get('/admin/login').expect(200);
  expect(cookieNamed(page, 'tessera.form')).toMatch(/HttpOnly/i);
  await agent
    .post('/admin/login')
    .type('form')
    .send({ _csrf: csrfFrom(page.text), ...adminCredentials })
    .expect(303);
  expect(await sessionRows()).toBe(before + 1);
  await agent.get('/admin').expect(200);
});

test("an anonymous form token is bound to its visitor: another visitor's token or form cookie does not pass", async () => {
  const a = request.agent(t.app);
  const b = request.agent(t.app);
  const tokenA = csrfFrom((await a.get('/admin/login')).text);
  await b.get('/admin/login');
  expect(
    (
      await b
        .post('/admin/login')
        .type('form')
        .send({ _csrf: tokenA, ...adminCredentials })
    ).status,
  ).toBe(403);
  // Without the form cookie (only the token and its csrf cookie), refused too.
  const page = await request(t.app).get('/admin/login');
  const csrfCookie = cookieNamed(page, 'tessera.csrf')!.split(';')[0]!;
  const res = await request(t.app)
    .post('/admin/login')
    .set('Cookie', csrfCookie)
    .type('form')
    .send({ _csrf: csrfFrom(page.text), ...adminCredentials });
  expect(res.status).toBe(403);
  // A forged form id is not taken up.
  const forged = await request(t.app).get('/admin/login').set('Cookie', 'tessera.form=<script>');
  expect(cookieNamed(forged, 'tessera.form')).toMatch(/^tessera\.form=[A-Za-z0-9_-]{22};/);
});

test('a form token from before signing in does not work after it', async () => {
  const agent = request.agent(t.app);
  const page = await agent.get('/admin/login');
  const before = csrfFrom(page.text);
  await agent
    .post('/admin/login')
    .type('form')
    .send({ _csrf: before, ...adminCredentials })
    .expect(303);
  expect((await agent.post('/admin/logout').type('form').send({ _csrf: before })).status).toBe(403);
});

test('over HTTPS (as the trusted proxy says) the session cookie is __Host- prefixed and Secure, and HSTS is sent', async () => {
  const page = await request(proxied).get('/admin/login').set('X-Forwarded-Proto', 'https').expect(200);
  expect(page.headers['strict-transport-security']).toMatch(/^max-age=31536000/);
  const form = cookieNamed(page, '__Host-tessera.form')!;
  expect(form).toMatch(/; Secure/i);
  const csrf = cookieNamed(page, 'tessera.csrf')!.split(';')[0]!;
  const signIn = await request(proxied)
    .post('/admin/login')
    .set('X-Forwarded-Proto', 'https')
    .set('Cookie', [form.split(';')[0]!, csrf].join('; '))
    .type('form')
    .send({ _csrf: csrfFrom(page.text), ...adminCredentials })
    .expect(303);
  const session = cookieNamed(signIn, '__Host-tessera.sid')!;
  expect(session).toMatch(/; Path=\/;/);
  expect(session).toMatch(/; Secure/i);
  expect(session).toMatch(/HttpOnly/i);
  expect(session).not.toMatch(/Domain=/i);
  expect(cookieNamed(signIn, 'tessera.sid')).toBeUndefined();
  // Every cookie, the remembered language too (it once went without Secure behind the proxy).
  expect(cookieNamed(signIn, 'tessera.lang')).toBeDefined();
  for (const c of [...cookies(page), ...cookies(signIn)]) expect(c).toMatch(/; Secure/i);
  const switched = await request(proxied).get('/helpdesk?lang=sk').set('X-Forwarded-Proto', 'https').expect(200);
  expect(cookieNamed(switched, 'tessera.lang')).toMatch(/^tessera\.lang=sk;.*; Secure/i);
  await request(proxied)
    .get('/admin')
    .set('X-Forwarded-Proto', 'https')
    .set('Cookie', session.split(';')[0]!)
    .expect(200);

  // Plain HTTP: no HSTS (browsers ignore it there and a local test install must stay reachable).
  const plain = await request(proxied).get('/admin/login').expect(200);
  expect(plain.headers['strict-transport-security']).toBeUndefined();
  const plainSwitch = await request(proxied).get('/helpdesk?lang=sk').expect(200);
  expect(cookieNamed(plainSwitch, 'tessera.lang')).toMatch(/^tessera\.lang=sk;/);
  expect(cookieNamed(plainSwitch, 'tessera.lang')).not.toMatch(/; Secure/i);
  // The proxy header counts only when the proxy is trusted.
  const untrusted = await request(t.app).get('/admin/login').set('X-Forwarded-Proto', 'https').expect(200);
  expect(untrusted.headers['strict-transport-security']).toBeUndefined();
});

test('staff sessions end after 30 idle minutes by default', async () => {
  const defaults = loadConfig({ TESSERA_CONFIG_DIR: tempDir() });
  expect(defaults.session.idleMinutes).toBe(30);
  const app = createApp(
    { ...t.services, config: { ...t.config, session: defaults.session } },
    { services: t.services },
  );
  const page = await request(app).get('/admin/login');
  const signIn = await request(app)
    .post('/admin/login')
    .set(
      'Cookie',
      cookies(page)
        .map((c) => c.split(';')[0]!)
        .join('; '),
    )
    .type('form')
    .send({ _csrf: csrfFrom(page.text), ...adminCredentials })
    .expect(303);
  const expires = Date.parse(/Expires=([^;]+)/.exec(cookieNamed(signIn, 'tessera.sid')!)![1]!);
  // express-session writes Expires from the real clock: about 30 minutes from now.
  expect(expires - Date.now()).toBeGreaterThan(25 * 60_000);
  expect(expires - Date.now()).toBeLessThanOrEqual(30 * 60_000 + 1000);
});

// Issue 16: a page view reads the session; it writes the row's expiry only when that moves by more than a minute.
test("a page view moves the session row's expiry only when it would move by more than a minute", async () => {
  const agent = request.agent(t.app);
  const page = await agent.get('/admin/login');
  const signIn = await agent
    .post('/admin/login')
    .type('form')
    .send({ _csrf: csrfFrom(page.text), ...adminCredentials })
    .expect(303);
  const cookie = decodeURIComponent(/^tessera\.sid=([^;]+)/.exec(cookieNamed(signIn, 'tessera.sid')!)![1]!);
  const sid = cookie.slice(2, cookie.lastIndexOf('.')); // "s:<sid>.<signature>"
  const idleMs = t.config.session.idleMinutes * 60_000;
  const storedExpiry = async () => (await readSessionRow(t.db, sid, Date.now()))!.expiresAt;
  const storeExpiry = (ms: number) =>
    t
      .db('sessions')
      .where({ sid })
      .update({ expired: dateAsISO(t.db, ms) });

  // 30 seconds short of where this view would move it: the row is left alone.
  await storeExpiry(Date.now() + idleMs - 30_000);
  const near = await storedExpiry();
  await agent.get('/admin').expect(200);
  expect(await storedExpiry()).toBe(near);

  // Five minutes short: moved to the idle time from this view (whole seconds on MySQL).
  await storeExpiry(Date.now() + idleMs - 5 * 60_000);
  const viewed = Date.now();
  await agent.get('/admin').expect(200);
  expect(await storedExpiry()).toBeGreaterThanOrEqual(viewed + idleMs - 1000);
});
