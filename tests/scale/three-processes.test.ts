/**
 * Issue 15 items 3 and 5: three web processes behind nginx (HTTPS terminated there) plus
 * `npm run cron`, against one MariaDB or PostgreSQL database (TESSERA_TEST_DB=mysql, the
 * default here, or postgres). Run by `.ci/run` as its own step:
 *   npx jest --config tests/scale/jest.config.js
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Knex } from 'knex';
import { Browser, hiddenField, selectOptions, type Reply } from '../../bench/http-client';
import { createKnex } from '../../src/db/knex-factory';
import { withTransaction } from '../../src/db/transaction';
import { createI18n } from '../../src/i18n/i18n';
import { queueMail } from '../../src/mail/mail.service';
import { SettingsService } from '../../src/settings/settings.service';
import { fromRoot } from '../../src/paths';
import { sampleRequest } from '../helpers/mail-samples';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink';
import { createTestDatabase, tempDir, type TestDatabase } from '../helpers/test-db';
import {
  proxyAddress,
  runCron,
  startApp,
  startNginx,
  stopProcess,
  until,
  type AppProcess,
  type DeskEnv,
  type Nginx,
} from '../../bench/cluster';

const kind = process.env.TESSERA_TEST_DB === 'postgres' ? 'postgres' : 'mysql';
const adminEmail = 'admin@scale.example';
const adminPassword = 'plum tractor velvet 1984 orbit';
/** The client's own address (nginx sees it; the app must, too, through X-Forwarded-For). */
const clientAddress = '127.0.0.5';
/**
 * Short leases so the test waits seconds, not minutes. A send is abandoned after 2/3 of the
 * attempt lease (20 s): the live processes' sends held at the sink during the kill must not time
 * out (a timed-out send whose message the server already had is a second, honest copy), so the
 * margin is wide for a machine at load 20+.
 */
const leases = { claimMs: 2000, attemptMs: 30_000 };

let tdb: TestDatabase;
let db: Knex;
let dir: string;
let sink: SmtpSink;
let env: DeskEnv;
let apps: AppProcess[] = [];
let nginx: Nginx;
let publicUrl: URL;
let ca: Buffer;
let signing: string;

const agentFrom = (localAddress: string) => new https.Agent({ keepAlive: false, ca, localAddress });
const browserFrom = (localAddress: string, headers = {}) => new Browser(publicUrl, agentFrom(localAddress), headers);
const upstreamOf = (reply: Reply) => String(reply.headers['x-tessera-upstream'] ?? '');
const setCookies = (reply: Reply) => reply.headers['set-cookie'] ?? [];

async function signIn(browser: Browser, password = adminPassword): Promise<Reply> {
  const form = await browser.get('/admin/login');
  expect(form.status).toBe(200);
  return browser.postForm('/admin/login', { _csrf: hiddenField(form.body, '_csrf'), email: adminEmail, password });
}

beforeAll(async () => {
  dir = tempDir('tessera-scale-');
  tdb = await createTestDatabase(kind);
  sink = await startSmtpSink();
  const configDir = path.join(dir, 'config');
  env = {
    TESSERA_CONFIG_DIR: configDir,
    TESSERA_DATA_DIR: tdb.dataDir,
    TESSERA_TRUST_PROXY: proxyAddress,
    TESSERA_JOBS_INTERVAL_MS: '300',
    TESSERA_MAIL_CLAIM_LEASE_MS: String(leases.claimMs),
    TESSERA_MAIL_ATTEMPT_LEASE_MS: String(leases.attemptMs),
    TESSERA_LOG_LEVEL: 'warn',
  };
  // nginx needs the processes' ports and the desk its public URL: ports first, then install.
  const c = tdb.config;
  await promisify(execFile)(
    process.execPath,
    [
      fromRoot('node_modules', 'tsx', 'dist', 'cli.mjs'),
      fromRoot('src', 'cli', 'setup.ts'),
      '--db',
      c.client,
      '--db-host',
      c.host,
      '--db-port',
      String(c.port),
      '--db-name',
      c.database,
      '--db-user',
      c.user,
      '--db-password',
      c.password,
      '--admin-email',
      adminEmail,
      '--admin-password',
      adminPassword,
      '--name',
      'Scale Desk',
    ],
    { cwd: fromRoot(), env: { ...process.env, ...env } },
  );
  db = createKnex(c, tdb.dataDir, { acquireTimeoutMs: 60_000 });
  for (let i = 0; i < 3; i++) apps.push(await startApp(env, dir));
  nginx = await startNginx(
    dir,
    apps.map((a) => a.port),
  );
  ca = fs.readFileSync(path.join(dir, 'cert.pem'));
  publicUrl = new URL(`https://127.0.0.1:${nginx.port}`);
  signing = (
    JSON.parse(fs.readFileSync(path.join(configDir, 'local.json'), 'utf8')) as { secrets: { signing: string } }
  ).secrets.signing;
  // Set through the database, as an admin's change on another process would be.
  await new SettingsService(db, () => Date.now(), signing).save({
    'helpdesk.url': publicUrl.origin,
    'mail.transport': 'smtp',
    'mail.smtpHost': '127.0.0.1',
    'mail.smtpPort': sink.port,
    'mail.smtpSecurity': 'none',
    'spam.minFillSeconds': 0,
  });
}, 600_000);

afterAll(async () => {
  await nginx?.stop();
  await Promise.all(apps.map((a) => stopProcess(a.child)));
  await db?.destroy();
  await sink?.close();
  await tdb?.drop();
  fs.rmSync(dir, { recursive: true, force: true });
}, 120_000);

test(`signed in through one process, still signed in on the others; cookies Secure behind HTTPS (${kind})`, async () => {
  const browser = browserFrom(clientAddress);
  const signedIn = await signIn(browser);
  expect(signedIn.status).toBe(303);
  expect(signedIn.location).toBe('/admin');
  const cookies = setCookies(signedIn);
  expect(cookies.some((c) => c.startsWith('__Host-tessera.sid='))).toBe(true);
  for (const c of cookies) expect(c).toMatch(/;\s*Secure/i);

  const upstreams = new Set<string>();
  for (let i = 0; i < 6; i++) {
    const page = await browser.get('/admin');
    expect(page.status).toBe(200);
    expect(page.body).toContain('/admin/logout');
    upstreams.add(upstreamOf(page));
  }
  expect(upstreams.size).toBe(3);

  // The control: the same app over plain HTTP, not through the proxy, sets no Secure cookie.
  const direct = await fetch(`http://127.0.0.1:${apps[0]!.port}/admin/login`);
  const plain = direct.headers.getSetCookie();
  expect(plain.length).toBeGreaterThan(0);
  for (const c of plain) expect(c).not.toMatch(/;\s*Secure/i);
});

test('failed sign-ins through different processes add up, counted for the real client address', async () => {
  // A client that also claims another address: only the proxy's word counts.
  const browser = browserFrom('127.0.0.6', { 'x-forwarded-for': '203.0.113.9' });
  const upstreams = new Set<string>();
  const statuses: number[] = [];
  for (let i = 0; i < 9; i++) {
    const reply = await signIn(browser, `wrong password ${i}`);
    statuses.push(reply.status);
    upstreams.add(upstreamOf(reply));
  }
  // The per-account-and-address limit is 8 (src/security/login-throttle.ts): the 9th is refused.
  expect(statuses).toEqual([401, 401, 401, 401, 401, 401, 401, 401, 429]);
  expect(upstreams.size).toBeGreaterThan(1);
  const buckets = await db('rate_limits').where('bucket', 'like', 'login-ip:%').pluck('bucket');
  expect(buckets).toContain('login-ip:127.0.0.6');
  expect(buckets).not.toContain('login-ip:203.0.113.9');
  expect(buckets).not.toContain(`login-ip:${proxyAddress}`);

  // Not through the proxy, X-Forwarded-For is not believed.
  await fetch(`http://127.0.0.1:${apps[1]!.port}/admin/login`, {
    method: 'POST',
    headers: { 'x-forwarded-for': '198.51.100.7', 'content-type': 'application/x-www-form-urlencoded' },
    body: 'email=x%40y.z&password=p',
  });
  expect(await db('rate_limits').where('bucket', 'login-ip:198.51.100.7').first()).toBeUndefined();
});

/** The fields of a form as a browser would send them unchanged (text, hidden, checked boxes, textareas, selects). */
function formFields(html: string): Record<string, string> {
  const fields: Record<string, string> = {};
  const unescapeHtml = (v: string) =>
    v
      .replace(/&#34;|&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&');
  for (const m of html.matchAll(/<input\b[^>]*>/g)) {
    const tag = m[0];
    const name = /\bname="([^"]+)"/.exec(tag)?.[1];
    if (!name) continue;
    const type = /\btype="([^"]+)"/.exec(tag)?.[1] ?? 'text';
    if ((type === 'checkbox' || type === 'radio') && !/\bchecked\b/.test(tag)) continue;
    fields[name] = unescapeHtml(/\bvalue="([^"]*)"/.exec(tag)?.[1] ?? (type === 'checkbox' ? 'on' : ''));
  }
  for (const m of html.matchAll(/<textarea\b[^>]*\bname="([^"]+)"[^>]*>([\s\S]*?)<\/textarea>/g))
    fields[m[1]!] = unescapeHtml(m[2]!.replace(/^\n/, ''));
  for (const m of html.matchAll(/<select\b[^>]*\bname="([^"]+)"[^>]*>([\s\S]*?)<\/select>/g)) {
    const selected = /<option value="([^"]*)"[^>]*\bselected\b/.exec(m[2]!)?.[1];
    if (selected !== undefined) fields[m[1]!] = unescapeHtml(selected);
  }
  return fields;
}

test('a settings change made through one process is seen by every process; its audit row has the client address', async () => {
  const admin = browserFrom(clientAddress);
  expect((await signIn(admin)).status).toBe(303);
  const form = await admin.get('/admin/settings/portal');
  expect(form.status).toBe(200);
  const fields = formFields(form.body);
  const message = `Planned maintenance ${Date.now()}`;
  const saved = await admin.postForm('/admin/settings/portal', { ...fields, 'portal-serviceMessage': message });
  expect(saved.status).toBe(303);
  const madeOn = upstreamOf(saved);

  for (const app of apps) {
    await until(
      `the service message on port ${app.port}`,
      async () => (await fetch(`http://127.0.0.1:${app.port}/helpdesk`).then((r) => r.text())).includes(message),
      30_000,
    );
  }
  expect(madeOn).toMatch(/^127\.0\.0\.1:\d+$/);
  const audit = await db('audit_log')
    .where({ action: 'settings.changed' })
    .orderBy('id', 'desc')
    .first<{ ip: string | null }>('ip');
  expect(audit?.ip).toBe(clientAddress);
});

test('links in mail use the public URL; the ticket submitted through the proxy is mailed once', async () => {
  const visitor = browserFrom(clientAddress);
  const page = await visitor.get('/helpdesk/tickets/new');
  expect(page.status).toBe(200);
  const action = /action="(\/helpdesk\/tickets\/new\?_csrf=[^"]+)"/.exec(page.body)![1]!.replace(/&amp;/g, '&');
  const sent = await visitor.postMultipart(action, {
    _csrf: hiddenField(page.body, '_csrf'),
    shown: hiddenField(page.body, 'shown'),
    submission_key: hiddenField(page.body, 'submission_key'),
    website: '',
    name: 'Pat Proxy',
    email: 'pat@proxy.example',
    category: selectOptions(page.body, 'category')[0]!,
    subject: 'Behind the proxy',
    message: 'Does the link in my mail point at the public address?',
  });
  expect(sent.status).toBe(303);
  const trackingId = /^\/helpdesk\/tickets\/(\w+)\/created$/.exec(sent.location ?? '')![1]!;
  await until('the confirmation mail', () => sink.received.some((m) => m.to.includes('pat@proxy.example')), 60_000);
  const mail = sink.received.find((m) => m.to.includes('pat@proxy.example'))!;
  expect(mail.parsed.text).toContain(`${publicUrl.origin}/helpdesk/tickets/${trackingId}`);
  expect(mail.parsed.text).not.toMatch(/http:\/\/127\.0\.0\.1:\d+\//);
});

/** Queues `count` mails to `prefix-N@bulk.example` in transactions of 100, as the app would. */
async function queueMany(prefix: string, count: number): Promise<void> {
  const settings = new SettingsService(db, () => Date.now(), signing);
  const deps = { i18n: createI18n(), settings, clock: { now: () => Date.now() } };
  for (let from = 0; from < count; from += 100) {
    await withTransaction(db, async (trx) => {
      for (let i = from; i < Math.min(count, from + 100); i++)
        await queueMail(
          trx,
          deps,
          sampleRequest('ticket_received', { to: { address: `${prefix}-${i}@bulk.example` } }),
        );
    });
  }
}

const receivedFor = (prefix: string) => sink.received.filter((m) => m.to.some((a) => a.startsWith(`${prefix}-`)));

test('1,000 queued mails are sent exactly once by three web processes and npm run cron together', async () => {
  await queueMany('bulk', 1000);
  const cron = runCron(env);
  await until('1,000 mails at the sink', () => receivedFor('bulk').length >= 1000, 300_000, 500);
  const { code, out } = await cron.done;
  expect({ code, out }).toMatchObject({ code: 0, out: expect.stringMatching(/Mail: \d+ sent/) });
  const rows = await db('mail_outbox')
    .where('to_address', 'like', 'bulk-%')
    .select<Array<{ status: string; email_message_id: string }>>('status', 'email_message_id');
  expect(rows).toHaveLength(1000);
  expect(rows.every((r) => r.status === 'sent')).toBe(true);
  const received = receivedFor('bulk');
  const ids = received.map((m) => m.parsed.messageId);
  expect(received).toHaveLength(1000);
  expect(new Set(ids).size).toBe(1000);
  expect(new Set(ids)).toEqual(new Set(rows.map((r) => r.email_message_id)));
  // More than one process sent: the leases shared the work rather than one process doing it all.
  expect(Number(/Mail: (\d+) sent/.exec(out)![1])).toBeLessThan(1000);
}, 600_000);

test('a process killed mid-send leaves nothing stuck: its mail is sent after the lease, with the same Message-ID', async () => {
  const release = sink.holdReplies();
  let released = false;
  try {
    await queueMany('crash', 20);
    // Every process sending now waits for the sink's answer to DATA; pick one that holds an attempt.
    let victim: AppProcess | undefined;
    let victimRows: Array<{ id: number; email_message_id: string }> = [];
    await until(
      'an attempt held by a web process',
      async () => {
        const open = await db('mail_outbox')
          .where('to_address', 'like', 'crash-%')
          .whereNotNull('attempt_started_at')
          .where({ status: 'queued' })
          .select<Array<{ id: number; leased_by: string; email_message_id: string }>>(
            'id',
            'leased_by',
            'email_message_id',
          );
        for (const app of apps) {
          const mine = open.filter((r) => r.leased_by.split(':')[1] === String(app.child.pid));
          if (mine.length > 0) {
            victim = app;
            victimRows = mine.map((r) => ({ id: Number(r.id), email_message_id: r.email_message_id }));
            return true;
          }
        }
        return false;
      },
      120_000,
    );
    // The worst moment: the server has the message, the sender has not heard so (its DATA reply is held).
    await until(
      "the victim's message at the sink",
      () => victimRows.every((r) => receivedFor('crash').some((m) => m.parsed.messageId === r.email_message_id)),
      30_000,
      50,
    );
    const killed = victim!;
    await stopProcess(killed.child, 'SIGKILL');
    expect(killed.child.signalCode).toBe('SIGKILL');
    release();
    released = true;

    await until(
      'all 20 mails sent',
      async () =>
        Number(
          (await db('mail_outbox')
            .where('to_address', 'like', 'crash-%')
            .whereNot({ status: 'sent' })
            .count({ n: '*' })
            .first<{ n: number | string }>())!.n,
        ) === 0,
      180_000,
      500,
    );
    const rows = await db('mail_outbox')
      .where('to_address', 'like', 'crash-%')
      .select<Array<{ id: number; email_message_id: string; interrupted_attempts: number | string }>>(
        'id',
        'email_message_id',
        'interrupted_attempts',
      );
    const received = receivedFor('crash');
    const copies = new Map<string, number>();
    for (const m of received) copies.set(m.parsed.messageId!, (copies.get(m.parsed.messageId!) ?? 0) + 1);
    for (const row of rows) {
      const interrupted = Number(row.interrupted_attempts);
      // Exactly once, except a mail whose attempt was cut off after the server had it: one more copy, same Message-ID.
      expect(copies.get(row.email_message_id)).toBe(1 + interrupted);
      expect(interrupted).toBe(victimRows.some((v) => v.id === Number(row.id)) ? 1 : 0);
    }
    // The proxy took the dead process out of rotation: pages still answer.
    const browser = browserFrom(clientAddress);
    for (let i = 0; i < 4; i++) expect((await browser.get('/helpdesk')).status).toBe(200);
  } finally {
    if (!released) release();
  }
  apps = apps.filter((a) => a.child.exitCode === null && a.child.signalCode === null);
}, 600_000);
