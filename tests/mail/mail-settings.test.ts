import net, { type AddressInfo } from 'node:net';
import request from 'supertest';
import { bumpSettingsRevision, readAllSettings, writeSettings } from '../../src/settings/settings.repo';
import {
  adminCredentials,
  csrfFrom,
  installedApp,
  signIn,
  staffCredentials,
  type InstalledApp,
} from '../helpers/installed-app';
import { startSmtpSink, unusedPort, type SmtpSink } from '../helpers/smtp-sink';

let t: InstalledApp;
let admin: request.Agent;
let sink: SmtpSink;
beforeAll(async () => {
  t = await installedApp();
  sink = await startSmtpSink();
  admin = request.agent(t.app);
  expect((await signIn(admin, adminCredentials)).status).toBe(303);
});
afterAll(async () => {
  await sink.close();
  await t.close();
});

const page = '/admin/settings/sending';
const validForm = (port: number) => ({
  'mail-transport': 'smtp',
  'mail-fromName': 'Acme Help',
  'mail-fromAddress': 'support@acme.test',
  'mail-smtpHost': '127.0.0.1',
  'mail-smtpPort': String(port),
  'mail-smtpSecurity': 'none',
  'mail-smtpUser': '',
  'mail-smtpPassword': '',
  'mail-replyTo': '',
  'mail-trustedAuthServId': '',
});
const stored = async () => readAllSettings(t.db);

async function post(path: string, fields: Record<string, string | string[]>) {
  const form = await admin.get(page).expect(200);
  return admin
    .post(path)
    .type('form')
    .send({ _csrf: csrfFrom(form.text), ...fields });
}

test('only admins see the page: anonymous visitors sign in, staff get 403', async () => {
  await request(t.app)
    .get(page)
    .expect(303)
    .expect('Location', `/admin/login?next=${encodeURIComponent(page)}`);
  const staff = request.agent(t.app);
  await signIn(staff, staffCredentials);
  await staff.get(page).expect(403);
  const dashboard = await staff.get('/admin').expect(200);
  await staff
    .post(page)
    .type('form')
    .send({ _csrf: csrfFrom(dashboard.text), ...validForm(25) })
    .expect(403);
  await staff
    .post(`${page}/test`)
    .type('form')
    .send({ _csrf: csrfFrom(dashboard.text), testTo: 'x@example.com' })
    .expect(403);
});

test('the form shows every field with its label and hint, and the log transport notice', async () => {
  const res = await admin.get(page).expect(200);
  for (const id of [
    'mail-transport',
    'mail-fromName',
    'mail-fromAddress',
    'mail-smtpHost',
    'mail-smtpPort',
    'mail-smtpSecurity',
    'mail-smtpUser',
    'mail-smtpPassword',
    'testTo',
  ]) {
    expect(res.text).toContain(`for="${id}"`);
  }
  expect(res.text).toContain('Leave empty to use the help desk name.');
  expect(res.text).toContain('Mail is not sent: each message is written to');
  expect(res.text).toContain(`value="${adminCredentials.email}"`); // the test goes to the admin by default
});

test('a form without its CSRF token is refused', async () => {
  await admin.post(page).type('form').send(validForm(25)).expect(403);
  await admin.post(`${page}/test`).type('form').send({ testTo: 'x@example.com' }).expect(403);
  expect((await stored()).get('mail.smtpHost')).toBeUndefined();
});

test('invalid values are shown beside their fields and nothing is saved', async () => {
  const res = await post(page, {
    ...validForm(25),
    'mail-smtpHost': 'smtp example.com',
    'mail-smtpPort': '70000',
    'mail-fromAddress': 'not an address',
    'mail-smtpPassword': 'secret-typed',
  });
  expect(res.status).toBe(400);
  expect(res.text).toContain('There is a problem');
  expect(res.text).toContain('<a href="#mail-smtpHost">');
  expect(res.text).toContain('id="mail-smtpHost-error"');
  expect(res.text).toContain('Enter a host name or IP address without spaces.');
  expect(res.text).toContain('Enter a number from 1 to 65535.');
  expect(res.text).toContain('Enter an e-mail address like name@example.com.');
  expect(res.text).toContain('value="smtp example.com"'); // what was typed is kept
  const summary = res.text.slice(res.text.indexOf('error-summary__list'));
  expect(summary.indexOf('#mail-fromAddress')).toBeLessThan(summary.indexOf('#mail-smtpHost'));
  expect(summary.indexOf('#mail-smtpHost')).toBeLessThan(summary.indexOf('#mail-smtpPort'));
  expect(res.text).not.toContain('secret-typed'); // except the password
  const missingHost = await post(page, { ...validForm(25), 'mail-smtpHost': '' });
  expect(missingHost.status).toBe(400);
  expect(missingHost.text).toContain('Enter the SMTP server, or choose to write mail to a file.');
  const both = await post(page, { ...validForm(25), 'mail-smtpHost': '', 'mail-smtpPort': 'abc' });
  const list = both.text.slice(both.text.indexOf('error-summary__list'));
  expect(list.indexOf('#mail-smtpHost')).toBeLessThan(list.indexOf('#mail-smtpPort')); // page order, not check order
  expect((await stored()).get('mail.smtpHost')).toBeUndefined();
});

test('a field sent twice (an array) is a 400, never saved', async () => {
  const res = await post(page, { ...validForm(25), 'mail-fromName': ['One', 'Two'] });
  expect(res.status).toBe(400);
  expect((await stored()).get('mail.fromName')).toBeUndefined();
});

test('saving stores the settings; the password is never shown and an empty one keeps the saved one', async () => {
  const saved = await post(page, { ...validForm(2525), 'mail-smtpUser': 'mailer', 'mail-smtpPassword': 'pa55 word' });
  expect(saved.status).toBe(303);
  expect(saved.headers.location).toBe(`${page}?saved=1`);
  expect(Object.fromEntries([...(await stored())].filter(([k]) => k.startsWith('mail.')))).toEqual({
    'mail.transport': 'smtp',
    'mail.fromName': 'Acme Help',
    'mail.fromAddress': 'support@acme.test',
    'mail.smtpHost': '127.0.0.1',
    'mail.smtpPort': 2525,
    'mail.smtpSecurity': 'none',
    'mail.smtpUser': 'mailer',
    'mail.smtpPassword': { encrypted: expect.stringMatching(/^v1\.[\w-]+$/) },
  });
  // The raw row holds cipher text only; the service decrypts it for the mail transport.
  const raw = await t.db('settings').where({ key: 'mail.smtpPassword' }).first<{ value: string }>('value');
  expect(raw!.value).not.toContain('pa55');
  expect(await t.services.settings.get('mail.smtpPassword')).toBe('pa55 word');
  const shown = await admin.get(saved.headers.location!).expect(200);
  expect(shown.text).toContain('Your changes were saved.');
  expect(shown.text).toContain('value="2525"');
  expect(shown.text).not.toContain('pa55 word');
  expect(shown.text).toContain('A password is saved. Leave this empty to keep it.');

  await post(page, { ...validForm(2525), 'mail-smtpUser': 'mailer', 'mail-smtpPassword': '' }).then((r) =>
    expect(r.status).toBe(303),
  );
  expect(await t.services.settings.get('mail.smtpPassword')).toBe('pa55 word');
  await post(page, { ...validForm(2525), 'mail-smtpUser': '', 'mail-smtpPassword': '' }).then((r) =>
    expect(r.status).toBe(303),
  );
  expect((await stored()).get('mail.smtpPassword')).toBe('');
});

test('the test e-mail goes out at once through the saved server and the page says so', async () => {
  expect((await post(page, validForm(sink.port))).status).toBe(303);
  const res = await post(`${page}/test`, { testTo: adminCredentials.email });
  expect(res.status).toBe(200);
  expect(res.text).toContain(`The test e-mail to ${adminCredentials.email} was accepted by 127.0.0.1.`);
  // The reply code with our own words for it; the server's own text is not shown.
  expect(res.text).toMatch(/The server&#39;s reply code: <code>250( 2\.0\.0)?<\/code> \(accepted\)/);
  expect(res.text).not.toContain('queued as sink-1');
  const [mail] = await sink.waitFor(1);
  expect(mail!.to).toEqual([adminCredentials.email]);
  expect(mail!.parsed.subject).toBe('Test e-mail from Acme Support');
  expect(mail!.parsed.from?.value).toEqual([{ name: 'Acme Help', address: 'support@acme.test' }]);
  expect(mail!.parsed.text).toContain('sent by Ada Admin from the sending settings');
  expect(await t.db('mail_outbox').where({ template: 'test_message' }).select('status', 'to_address')).toEqual([
    { status: 'sent', to_address: adminCredentials.email },
  ]);
});

test('a password stored in plain text before encryption is encrypted at the next load and still signs in', async () => {
  const authSink = await startSmtpSink({ auth: { user: 'mailer', pass: 'old plain secret' } });
  try {
    expect(
      (await post(page, { ...validForm(authSink.port), 'mail-smtpUser': 'mailer', 'mail-smtpPassword': 'x' })).status,
    ).toBe(303);
    // As an older version stored it: the plain value, then a settings change every process sees.
    await writeSettings(t.db, { 'mail.smtpPassword': 'old plain secret' }, t.clock.now());
    await bumpSettingsRevision(t.db, t.clock.now());
    t.services.settings.invalidate();
    const res = await post(`${page}/test`, { testTo: adminCredentials.email });
    expect(res.text).toContain(`The test e-mail to ${adminCredentials.email} was accepted by 127.0.0.1.`);
    expect(await authSink.waitFor(1)).toHaveLength(1);
    const raw = await t.db('settings').where({ key: 'mail.smtpPassword' }).first<{ value: string }>('value');
    expect(JSON.parse(raw!.value)).toEqual({ encrypted: expect.stringMatching(/^v1\./) });
    expect(raw!.value).not.toContain('old plain');
  } finally {
    await authSink.close();
  }
});

test('a failed test e-mail is explained in plain words and not retried later', async () => {
  const port = await unusedPort();
  expect((await post(page, validForm(port))).status).toBe(303);
  const res = await post(`${page}/test`, { testTo: 'someone@example.com' });
  expect(res.status).toBe(200);
  expect(res.text).toContain('The test e-mail to someone@example.com could not be sent.');
  expect(res.text).toContain(`Nothing answered at 127.0.0.1 on port ${port}.`);
  expect(await t.db('mail_outbox').where({ to_address: 'someone@example.com' }).select('status')).toEqual([
    { status: 'failed' },
  ]);

  const bad = await post(`${page}/test`, { testTo: 'not an address' });
  expect(bad.status).toBe(400);
  expect(bad.text).toContain('id="testTo-error"');
  expect(bad.text).toContain('value="not an address"');
});

test('a host:port that is not an SMTP server is named as such, and what it sent is shown nowhere', async () => {
  const banner = 'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3';
  const fake = net.createServer((socket) => socket.end(`${banner}\r\n`));
  await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = fake.address() as AddressInfo;
    expect((await post(page, validForm(port))).status).toBe(303);
    const res = await post(`${page}/test`, { testTo: 'probe@example.com' });
    expect(res.status).toBe(200);
    expect(res.text).toContain('The test e-mail to probe@example.com could not be sent.');
    expect(res.text).toContain(
      `The server is not an SMTP server: something answered at 127.0.0.1 on port ${port}, but not with an SMTP greeting.`,
    );
    expect(res.text).not.toMatch(/SSH|OpenSSH|Debian/);
    expect(res.text).not.toMatch(/reply code: <code>/);
    const row = await t
      .db('mail_outbox')
      .where({ to_address: 'probe@example.com' })
      .first<{ status: string; last_error: string; server_response: string | null }>(
        'status',
        'last_error',
        'server_response',
      );
    expect(row).toMatchObject({ status: 'failed', server_response: null });
    expect(row!.last_error).not.toMatch(/SSH/);
  } finally {
    await new Promise<void>((resolve) => fake.close(() => resolve()));
  }
});

test('a refusal by a real SMTP server shows its reply code in fixed words', async () => {
  const authSink = await startSmtpSink({ auth: { user: 'mailer', pass: 'right' } });
  try {
    expect(
      (
        await post(page, {
          ...validForm(authSink.port),
          'mail-smtpUser': 'mailer',
          'mail-smtpPassword': 'wrong <b>pass</b>',
        })
      ).status,
    ).toBe(303);
    const res = await post(`${page}/test`, { testTo: 'probe2@example.com' });
    expect(res.text).toContain('The server refused the user name or password, or asks for them.');
    expect(res.text).toMatch(/reply code: <code>535( 5\.7\.8)?<\/code> \(a permanent refusal\)/);
    expect(res.text).not.toContain('Authentication credentials invalid');
  } finally {
    await authSink.close();
  }
});

test('with the log transport the test e-mail is written to the file and the page says where', async () => {
  expect((await post(page, { ...validForm(25), 'mail-transport': 'log', 'mail-smtpHost': '' })).status).toBe(303);
  const res = await post(`${page}/test`, { testTo: 'someone@example.com' });
  expect(res.status).toBe(200);
  expect(res.text).toContain('The test e-mail was written to');
  expect(res.text).toContain('mail-outbox.log');
});
