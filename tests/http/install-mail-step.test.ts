import fs from 'node:fs';
import path from 'node:path';
import type { Knex } from 'knex';
import { createKnex } from '../../src/db/knex-factory';
import { connectionErrorField } from '../../src/setup/db-probe';
import { sendingStatus } from '../../src/mail/sending-status';
import { SettingsService } from '../../src/settings/settings.service';
import { testDbKind, type TestDatabase } from '../helpers/test-db';
import { startSmtpSink, unusedPort, type SmtpSink } from '../helpers/smtp-sink';
import request from 'supertest';
import { createTestMailLimit, testMailLimits } from '../../src/setup/test-mail-limit';
import {
  adminForm,
  basicsForm,
  databaseForm,
  postStep,
  throughDatabase,
  useFreshWizard,
  type WizardEnv,
} from '../helpers/wizard';

/*
 * Issue 14: the wizard's optional e-mail step (with a test mail through a real SMTP server on
 * loopback), the administrator's address not pre-filled with the support mailbox, and a
 * database error shown beside the field it is about.
 */
let tdb: TestDatabase;
let w: WizardEnv;
let sink: SmtpSink;
beforeAll(async () => {
  sink = await startSmtpSink({ auth: { user: 'mailer', pass: 'right secret' } });
});
afterAll(async () => sink.close());
useFreshWizard((db, env) => {
  tdb = db;
  w = env;
});

const smtpForm = () => ({
  host: '127.0.0.1',
  port: String(sink.port),
  security: 'none',
  user: 'mailer',
  password: 'right secret',
  from: 'help@acme.example',
});

/** The installed help desk's database and settings (read with the secret the install generated). */
async function withInstalled(check: (db: Knex, settings: SettingsService) => Promise<void>) {
  const local = JSON.parse(fs.readFileSync(path.join(w.configDir, 'local.json'), 'utf8'));
  const db = createKnex(tdb.config, tdb.dataDir);
  try {
    await check(db, new SettingsService(db, () => Date.now(), local.secrets.signing));
  } finally {
    await db.destroy();
  }
}

async function toMailStep() {
  expect((await throughDatabase(w.agent, tdb.config)).headers.location).toBe('/install/basics');
  expect((await postStep(w.agent, 'basics', basicsForm)).headers.location).toBe('/install/mail');
}

test('the e-mail step sends a test mail through the SMTP server and reports what it answered', async () => {
  await toMailStep();
  const page = await w.agent.get('/install/mail').expect(200);
  // The sender starts as the support address of the step before.
  expect(page.text).toContain('value="help@acme.example"');

  const before = sink.received.length;
  const ok = await postStep(w.agent, 'mail', { ...smtpForm(), action: 'test' });
  expect(ok.status).toBe(200);
  expect(ok.text).toContain('data-mail-test="sent"');
  expect(ok.text).toContain('The test e-mail to help@acme.example was accepted by 127.0.0.1.');
  expect(ok.text).toMatch(/<code>250( 2\.0\.0)?<\/code>/);
  const [mail] = (await sink.waitFor(before + 1)).slice(before);
  expect(mail!.to).toEqual(['help@acme.example']);
  expect(mail!.from).toBe('help@acme.example');
  // Values are kept for "continue" after the test, the password too (as on the database step).
  expect(ok.text).toContain(`value="${sink.port}"`);

  const refused = await postStep(w.agent, 'mail', { ...smtpForm(), password: 'wrong', action: 'test' });
  expect(refused.status).toBe(200);
  expect(refused.text).toContain('data-mail-test="failed"');
  expect(refused.text).toContain('The test e-mail to help@acme.example could not be sent.');
  expect(refused.text).toMatch(/<code>535/);

  const nobody = await postStep(w.agent, 'mail', { ...smtpForm(), port: String(await unusedPort()), action: 'test' });
  expect(nobody.text).toContain('data-mail-test="failed"');
  expect(sink.received.length).toBe(before + 1);
});

test('bad e-mail settings are shown beside their fields', async () => {
  await toMailStep();
  const res = await postStep(w.agent, 'mail', {
    host: 'smtp host<script>',
    port: '70000',
    security: 'carrier-pigeon',
    user: 'u',
    password: 'p',
    from: 'not-an-address',
    action: 'continue',
  });
  expect(res.status).toBe(400);
  for (const field of ['host', 'port', 'security', 'from']) expect(res.text).toContain(`href="#${field}"`);
  expect(res.text).not.toContain('<script>');
  const noTo = await postStep(w.agent, 'mail', { ...smtpForm(), port: 'x', action: 'test' });
  expect(noTo.status).toBe(400);
  expect(noTo.text).toContain('href="#port"');
  // A list where text belongs is refused like any bad value.
  const list = await w.agent
    .post('/install/mail')
    .type('form')
    .send(
      `_csrf=${encodeURIComponent(/name="_csrf" value="([^"]+)"/.exec(noTo.text)![1]!)}&host=a&host=b&port=25&security=none&from=a%40b.example&action=continue`,
    );
  expect(list.status).toBe(400);
  // Nothing is kept: the admin step is still out of reach.
  await w.agent.get('/install/admin').expect(303).expect('Location', '/install/mail');
});

test('the test mail goes only to the support address of the basics step, whatever recipient the form names', async () => {
  await toMailStep();
  const page = await w.agent.get('/install/mail').expect(200);
  expect(page.text).toContain('The test mail goes to the support address from the previous step: help@acme.example.');
  expect(page.text).not.toContain('name="testTo"');
  const before = sink.received.length;
  const res = await postStep(w.agent, 'mail', { ...smtpForm(), testTo: 'victim@elsewhere.example', action: 'test' });
  expect(res.text).toContain('data-mail-test="sent"');
  const [mail] = (await sink.waitFor(before + 1)).slice(before);
  expect(mail!.to).toEqual(['help@acme.example']);
  expect(res.text).not.toContain('victim@elsewhere.example');
});

test('test mails are limited per wizard and per client address; past the limit nothing is sent', async () => {
  await toMailStep();
  const before = sink.received.length;
  for (let i = 0; i < testMailLimits.perWizard.max; i++)
    expect((await postStep(w.agent, 'mail', { ...smtpForm(), action: 'test' })).text).toContain(
      'data-mail-test="sent"',
    );
  const over = await postStep(w.agent, 'mail', { ...smtpForm(), action: 'test' });
  expect(over.status).toBe(429);
  expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
  expect(over.text).toContain('Too many test mails from here. Please try again in 15 minutes.');
  // The values stay on the page, and saving still works.
  expect(over.text).toContain(`value="${sink.port}"`);
  expect(sink.received.length).toBe(before + testMailLimits.perWizard.max);

  // A new wizard (the cookie thrown away) from the same address gets only what is left of the client's limit.
  const other = request.agent(
    (req: Parameters<typeof w.tessera.handle>[0], res: Parameters<typeof w.tessera.handle>[1]) =>
      w.tessera.handle(req, res),
  );
  expect((await throughDatabase(other, tdb.config)).headers.location).toBe('/install/basics');
  expect((await postStep(other, 'basics', basicsForm)).headers.location).toBe('/install/mail');
  const left = testMailLimits.perClient.max - testMailLimits.perWizard.max - 1;
  for (let i = 0; i < left; i++)
    expect((await postStep(other, 'mail', { ...smtpForm(), action: 'test' })).status).toBe(200);
  expect((await postStep(other, 'mail', { ...smtpForm(), action: 'test' })).status).toBe(429);
  expect(sink.received.length).toBe(before + testMailLimits.perClient.max - 1);
  expect((await postStep(w.agent, 'mail', { ...smtpForm(), action: 'continue' })).headers.location).toBe(
    '/install/admin',
  );
});

test('the limit counts in fixed windows and forgets them when they end', () => {
  const spend = createTestMailLimit({ perClient: { max: 2, windowMs: 1000 }, perWizard: { max: 1, windowMs: 500 } });
  expect(spend('192.0.2.1', 'a', 0)).toBeNull();
  expect(spend('192.0.2.1', 'a', 100)).toBe(1);
  expect(spend('192.0.2.1', 'b', 100)).toBe(1); // the client's third: over its limit, whatever wizard
  expect(spend('192.0.2.2', 'c', 100)).toBeNull();
  // One IPv6 subscriber is one client, whatever address of its /64 it uses.
  expect(spend('2001:db8::1', 'd', 100)).toBeNull();
  expect(spend('2001:db8::2', 'e', 100)).toBeNull();
  expect(spend('2001:db8::3', 'f', 100)).toBe(1);
  expect(spend('192.0.2.1', 'g', 1000)).toBeNull();
});

test('saved e-mail settings become the sending settings, the password stored encrypted as the settings page stores it', async () => {
  await toMailStep();
  expect((await postStep(w.agent, 'mail', { ...smtpForm(), action: 'continue' })).headers.location).toBe(
    '/install/admin',
  );
  const admin = await w.agent.get('/install/admin').expect(200);
  // Issue 14 item 8: the administrator's own address is asked for, not copied from the support mailbox.
  expect(admin.text).not.toContain('value="help@acme.example"');
  expect((await postStep(w.agent, 'admin', adminForm)).status).toBe(200);

  await withInstalled(async (db, settings) => {
    const stored = Object.fromEntries(
      (await db('settings').where('key', 'like', 'mail.%').select('key', 'value')).map(
        (r: { key: string; value: string }) => [r.key, JSON.parse(r.value)],
      ),
    );
    expect(stored['mail.transport']).toBe('smtp');
    expect(stored['mail.smtpHost']).toBe('127.0.0.1');
    expect(stored['mail.smtpPort']).toBe(sink.port);
    expect(stored['mail.smtpUser']).toBe('mailer');
    expect(stored['mail.smtpPassword']).toEqual({ encrypted: expect.stringMatching(/^v1\./) });
    expect(JSON.stringify(stored)).not.toContain('right secret');
    expect(await settings.get('mail.smtpPassword')).toBe('right secret');
    expect((await sendingStatus(db, settings)).state).toBe('working');
  });
});

test('skipping the e-mail step leaves mail in the file, and the help desk says so', async () => {
  await toMailStep();
  expect((await postStep(w.agent, 'mail', { action: 'skip' })).headers.location).toBe('/install/admin');
  expect((await postStep(w.agent, 'admin', adminForm)).status).toBe(200);
  await withInstalled(async (db, settings) => {
    expect(await settings.get('mail.transport')).toBe('log');
    expect((await sendingStatus(db, settings)).state).toBe('file');
  });
});

test('a connection error is shown beside the field it is about', async () => {
  expect(connectionErrorField('install.database.errors.accessDenied')).toBe('password');
  expect(connectionErrorField('install.database.errors.unknownHost')).toBe('host');
  expect(connectionErrorField('install.database.errors.noDatabase')).toBe('database');
  expect(connectionErrorField('install.database.errors.driverMissing')).toBe('client');
  await postStep(w.agent, 'welcome', { accept: 'yes' });
  await postStep(w.agent, 'checks', {});
  const res = await postStep(w.agent, 'database', {
    client: 'mysql',
    host: '127.0.0.1',
    port: String(await unusedPort()),
    database: 'tessera',
    user: 'root',
    password: '',
    action: 'test',
  });
  expect(res.status).toBe(400);
  expect(res.text).toContain('href="#host"');
  expect(res.text).toContain('id="host-error"');
  expect(res.text).not.toContain('id="client-error"');
});

const serverDb = testDbKind === 'sqlite' ? test.skip : test;
serverDb.each(['en', 'sk', 'ru', 'hu', 'lv'])(
  'a wrong database password is reported beside the password field (%s)',
  async (lang) => {
    await w.agent.get(`/install/welcome?lang=${lang}`).expect(200);
    await postStep(w.agent, 'welcome', { accept: 'yes' });
    await postStep(w.agent, 'checks', {});
    // A user the server does not know: refused even where the test server trusts every password.
    const res = await postStep(w.agent, 'database', {
      ...databaseForm(tdb.config),
      user: 'tessera_nobody',
      password: 'certainly-not-the-password',
      action: 'test',
    });
    expect(res.status).toBe(400);
    expect(res.text).toContain(`lang="${lang}"`);
    expect(res.text).toContain('href="#password"');
    expect(res.text).toContain('id="password-error"');
    expect(res.text).not.toContain('id="client-error"');
  },
);
