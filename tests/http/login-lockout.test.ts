import type { Express } from 'express';
import request from 'supertest';
import { accountDelayMs, loginLimits } from '../../src/security/login-throttle';
import { adminCredentials, behindProxy, csrfFrom, useInstalledApp, type InstalledApp } from '../helpers/installed-app';

// Issue 18 item 15: guesses at the admin's address must not keep the admin out.
let t: InstalledApp;
let proxied: Express;
useInstalledApp(
  (app) => {
    t = app;
    proxied = behindProxy(app);
  },
  { freshRateLimits: true },
);

async function signInFrom(ip: string, creds: { email: string; password: string }, agent = request.agent(proxied)) {
  const page = await agent.get('/admin/login').set('X-Forwarded-For', ip);
  return agent
    .post('/admin/login')
    .set('X-Forwarded-For', ip)
    .type('form')
    .send({ _csrf: csrfFrom(page.text), email: creds.email, password: creds.password });
}

const deviceCookie = (res: request.Response) =>
  ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((c) => /^tessera\.device-\d+=/.test(c));

async function guessFrom(ip: string, times: number): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < times; i++)
    statuses.push((await signInFrom(ip, { email: adminCredentials.email, password: `wrong guess ${i}` })).status);
  return statuses;
}

test('nine wrong passwords from one address do not keep the right password out from another', async () => {
  const statuses = await guessFrom('203.0.113.7', loginLimits.perPair.max + 1);
  expect(statuses.slice(0, loginLimits.perPair.max).every((s) => s === 401)).toBe(true);
  expect(statuses.at(-1)).toBe(429);
  // The guesser's own address stays refused, the right password included.
  expect((await signInFrom('203.0.113.7', adminCredentials)).status).toBe(429);
  // The owner elsewhere gets in (slowed down, not refused).
  const owner = await signInFrom('198.51.100.20', adminCredentials);
  expect(owner.status).toBe(303);
  expect(owner.headers.location).toBe('/admin');
});

test('a known device gets through even behind the address that guessed', async () => {
  const office = '192.0.2.44';
  const first = await signInFrom(office, adminCredentials);
  expect(first.status).toBe(303);
  const cookie = deviceCookie(first)!;
  expect(cookie).toMatch(/HttpOnly/i);
  expect(cookie).toMatch(/Max-Age=\d{7,}/);
  const device = cookie.split(';')[0]!;
  // Someone behind the same address (a shared NAT) guesses until that pair is refused.
  expect((await guessFrom(office, loginLimits.perPair.max + 1)).at(-1)).toBe(429);
  expect((await signInFrom(office, adminCredentials)).status).toBe(429);
  // The browser with the device cookie still signs in.
  const agent = request.agent(proxied);
  agent.jar.setCookie(device, '127.0.0.1', '/');
  expect((await signInFrom(office, adminCredentials, agent)).status).toBe(303);
  await agent.get('/admin').set('X-Forwarded-For', office).expect(200);
});

test('a forged or foreign device cookie counts for nothing', async () => {
  const office = '192.0.2.45';
  const first = await signInFrom(office, adminCredentials);
  const device = deviceCookie(first)!.split(';')[0]!;
  const [name, value] = device.split('=') as [string, string];
  const [id, deviceId] = value.split('.');
  expect((await guessFrom(office, loginLimits.perPair.max + 1)).at(-1)).toBe(429);
  for (const forged of [
    `${name}=${id}.${deviceId}.AAAA`,
    `${name}=${id}.${deviceId}`,
    `${name}=<script>`,
    `tessera.device-999=${value}`,
    `${name}=${Number(id) + 1}.${value.slice(value.indexOf('.') + 1)}`,
  ]) {
    const agent = request.agent(proxied);
    agent.jar.setCookie(forged, '127.0.0.1', '/');
    expect((await signInFrom(office, adminCredentials, agent)).status).toBe(429);
  }
});

test('the longest address from an IPv6 client is counted like any other (the counter keys fit)', async () => {
  const long = `${'x'.repeat(240)}@example.com`;
  const statuses = [];
  for (let i = 0; i <= loginLimits.perPair.max; i++)
    statuses.push((await signInFrom('2001:db8:1:2:3:4:5:6', { email: long, password: 'not it' })).status);
  expect(statuses.slice(0, -1).every((s) => s === 401)).toBe(true);
  expect(statuses.at(-1)).toBe(429);
});

test('the per-address limit over all accounts stays', async () => {
  for (let i = 0; i < loginLimits.perIp.max; i++)
    await signInFrom('203.0.113.99', { email: `nobody${i}@example.com`, password: 'not a real password' });
  expect((await signInFrom('203.0.113.99', adminCredentials)).status).toBe(429);
});

test('the account-wide delay starts after the free attempts, doubles and is capped', () => {
  const free = loginLimits.perAccount.freeAttempts;
  expect(accountDelayMs(1)).toBe(0);
  expect(accountDelayMs(free)).toBe(0);
  expect(accountDelayMs(free + 1)).toBe(loginLimits.perAccount.firstDelayMs);
  expect(accountDelayMs(free + 2)).toBe(loginLimits.perAccount.firstDelayMs * 2);
  expect(accountDelayMs(free + 1000)).toBe(loginLimits.perAccount.maxDelayMs);
  expect(t).toBeDefined();
});
