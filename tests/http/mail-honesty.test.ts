import request from 'supertest';
import { statusNotices } from '../helpers/notices';
import { runDueJobs } from '../../src/jobs/job-runner';
import {
  adminCredentials,
  csrfFrom,
  signedInAgent,
  staffCredentials,
  useInstalledApp,
  type InstalledApp,
} from '../helpers/installed-app';
import { openTicket, validTicket } from '../helpers/portal';
import { startSmtpSink, unusedPort, type SmtpSink } from '../helpers/smtp-sink';
import { tokenOf } from '../helpers/staff-admin';

/*
 * Issue 14, item 4: nobody is told a mail was sent when it was not. Until an SMTP server takes
 * mail, the dashboard and the pages that queue mail say so, and each notice says "queued" or
 * "sent" as it really is. Item 5: the add-colleague form refuses a typed password with an
 * invitation, and starts with the categories ticked.
 */
let t: InstalledApp;
useInstalledApp((app) => (t = app), { freshRateLimits: true });
let sink: SmtpSink;
beforeAll(async () => {
  sink = await startSmtpSink();
});
afterAll(async () => sink.close());

const useFile = () => t.services.settings.save({ 'mail.transport': 'log' });
const useSink = (port = sink.port) =>
  t.services.settings.save({
    'mail.transport': 'smtp',
    'mail.smtpHost': '127.0.0.1',
    'mail.smtpPort': port,
    'mail.smtpSecurity': 'none',
    'mail.smtpUser': '',
  });
const sendingNotice = (html: string) => /data-mail-sending="(\w+)"/.exec(html)?.[1] ?? null;
const statusNotice = (html: string) => statusNotices(html)[0] ?? null;

async function ticketId(): Promise<number> {
  const tracking = await openTicket(t, request.agent(t.app));
  return Number((await t.db('tickets').where({ tracking_id: tracking }).first('id')).id);
}

async function replyTo(agent: request.Agent, id: number): Promise<string> {
  const page = await agent.get(`/admin/tickets/${id}`).expect(200);
  const res = await agent
    .post(`/admin/tickets/${id}/reply?_csrf=${encodeURIComponent(csrfFrom(page.text))}`)
    .field('message', 'Here is the answer.')
    .expect(303);
  return res.headers.location!.replace(/#.*$/, '');
}

afterEach(async () => {
  // Mail left waiting by one test must not make the next one see a failing server.
  await t.db('mail_outbox').del();
  await useFile();
});

test('the dashboard says mail is not sent while it only goes to a file; admins get the link, colleagues are told to ask', async () => {
  await useFile();
  const admin = await signedInAgent(t, adminCredentials);
  const adminPage = (await admin.get('/admin').expect(200)).text;
  expect(sendingNotice(adminPage)).toBe('file');
  expect(adminPage).toContain('only writes mail to a file on the server');
  expect(adminPage).toContain('href="/admin/settings/sending"');

  const sam = await signedInAgent(t, staffCredentials);
  const samPage = (await sam.get('/admin').expect(200)).text;
  expect(sendingNotice(samPage)).toBe('file');
  expect(samPage).toContain('Ask an administrator to set up sending.');
  expect(samPage).not.toContain('href="/admin/settings/sending"');

  await t.services.settings.save({ 'mail.transport': 'smtp', 'mail.smtpHost': '' });
  expect(sendingNotice((await admin.get('/admin').expect(200)).text)).toBe('unconfigured');

  await useSink();
  expect(sendingNotice((await admin.get('/admin').expect(200)).text)).toBeNull();
});

test('a server that fails makes the notice come back until a mail gets through', async () => {
  await useSink(await unusedPort());
  const admin = await signedInAgent(t, adminCredentials);
  await ticketId();
  await runDueJobs(t.services);
  expect((await t.db('mail_outbox').where({ status: 'deferred' }).first())?.last_error).toBeTruthy();
  const page = (await admin.get('/admin').expect(200)).text;
  expect(sendingNotice(page)).toBe('failing');
  expect(page).toContain('the mail server failed at the last try');

  await useSink();
  t.clock.advance(10 * 60_000);
  await runDueJobs(t.services);
  await sink.waitFor(1);
  expect(sendingNotice((await admin.get('/admin').expect(200)).text)).toBeNull();
});

test('a staff reply is "sent" only once the SMTP server accepted its mail; queued or written to a file says so', async () => {
  const admin = await signedInAgent(t, adminCredentials);

  await useFile();
  const fileTicket = await ticketId();
  const fileDone = await replyTo(admin, fileTicket);
  const queuedPage = (await admin.get(fileDone).expect(200)).text;
  // The notice stands in the sending box, beside the way to fix it.
  expect(statusNotice(queuedPage)).toBe(
    'Your reply was saved, but its e-mail to the customer is only queued: this help desk cannot send mail at the moment. Set up sending',
  );
  expect(queuedPage).toContain('data-mail-sending="file"');
  // One box says it: the reply card does not repeat that mail cannot be sent.
  expect(queuedPage.match(/data-mail-sending=/g)).toHaveLength(1);
  await runDueJobs(t.services);
  expect(statusNotice((await admin.get(fileDone).expect(200)).text)).toBe(
    'Your reply was saved, but no e-mail was sent: it was only written to the mail log file.',
  );

  await useSink();
  const smtpTicket = await ticketId();
  const smtpDone = await replyTo(admin, smtpTicket);
  const waiting = (await admin.get(smtpDone).expect(200)).text;
  expect(statusNotice(waiting)).toBe(
    'Your reply was saved. Its e-mail to the customer is queued and goes out in a moment; its state is shown beside the reply.',
  );
  expect(waiting).not.toContain('Your reply was sent to the customer.');
  expect(sendingNotice(waiting)).toBeNull();
  const before = sink.received.length;
  await runDueJobs(t.services);
  await sink.waitFor(before + 1);
  expect(statusNotice((await admin.get(smtpDone).expect(200)).text)).toBe('Your reply was sent to the customer.');
});

test('the customer is told the tracking ID mail is on its way only when mail goes out', async () => {
  await useFile();
  const customer = request.agent(t.app);
  const tracking = await openTicket(t, customer);
  const unsent = (await customer.get(`/helpdesk/tickets/${tracking}/created`).expect(200)).text;
  expect(unsent).toContain(
    `Please write the tracking ID down: we cannot e-mail it to ${validTicket.email} at the moment.`,
  );
  expect(unsent).not.toContain('We also sent');

  await useSink();
  const other = request.agent(t.app);
  const second = await openTicket(t, other);
  expect((await other.get(`/helpdesk/tickets/${second}/created`).expect(200)).text).toContain(
    `An e-mail with the tracking ID is on its way to ${validTicket.email}.`,
  );
});

test('the invitation notice says queued, and whether it can go out', async () => {
  const admin = await signedInAgent(t, adminCredentials);
  const invite = async (email: string) => {
    const token = await tokenOf(admin, '/admin/staff/new');
    const res = await admin
      .post('/admin/staff')
      .type('form')
      .send({ _csrf: token, name: 'Ivo Invited', email, method: 'invite', role: 'default', password: '' })
      .expect(303);
    return (await admin.get(res.headers.location!).expect(200)).text;
  };
  await useFile();
  const unsent = await invite('ivo.file@example.com');
  expect(statusNotice(unsent)).toContain(
    'the invitation e-mail is only queued: this help desk cannot send mail at the moment',
  );
  expect(sendingNotice(unsent)).toBe('file');
  // One box, not two saying the same: the notice carries the way to the sending settings.
  expect(unsent.match(/class="alert /g)).toHaveLength(1);
  expect(statusNotice(unsent)).toContain('Set up sending');
  await useSink();
  const queued = await invite('ivo.smtp@example.com');
  expect(statusNotice(queued)).toBe(
    'The colleague was added. The invitation e-mail is queued and goes out in a moment.',
  );
  expect(queued).not.toContain('The invitation was sent');
});

test('the staff "forgot password" answer is the same for every address, and honest about mail', async () => {
  await useFile();
  const ask = async (email: string) => {
    const agent = request.agent(t.app);
    const token = csrfFrom((await agent.get('/admin/forgot-password').expect(200)).text);
    return statusNotice(
      (await agent.post('/admin/forgot-password').type('form').send({ _csrf: token, email }).expect(200)).text,
    );
  };
  const known = await ask(staffCredentials.email);
  expect(known).toContain('this help desk cannot send mail at the moment');
  expect(await ask('nobody@example.com')).toBe(known);
});

describe('adding a colleague (item 5)', () => {
  test('a typed password with "Send an invitation" is refused, not dropped, and nothing is created', async () => {
    const admin = await signedInAgent(t, adminCredentials);
    const token = await tokenOf(admin, '/admin/staff/new');
    const res = await admin
      .post('/admin/staff')
      .type('form')
      .send({
        _csrf: token,
        name: 'Pia Both',
        email: 'pia@example.com',
        method: 'invite',
        password: 'a quite long passphrase 99',
        role: 'default',
      })
      .expect(400);
    expect(res.text).toContain('You typed a password and chose an invitation.');
    expect(res.text).toContain('href="#password"');
    expect(await t.db('staff_users').where({ email: 'pia@example.com' }).first()).toBeUndefined();
    expect(await t.db('mail_outbox').where({ to_address: 'pia@example.com' }).first()).toBeUndefined();

    // Either way alone works.
    await admin
      .post('/admin/staff')
      .type('form')
      .send({
        _csrf: token,
        name: 'Pia Both',
        email: 'pia@example.com',
        method: 'password',
        password: 'a quite long passphrase 99',
        role: 'default',
      })
      .expect(303);
    await admin
      .post('/admin/staff')
      .type('form')
      .send({
        _csrf: token,
        name: 'Ole Invite',
        email: 'ole@example.com',
        method: 'invite',
        password: '',
        role: 'default',
      })
      .expect(303);
  });

  test('while mail is not sent the form starts with "Set a password now" and says why; breadcrumbs lead back', async () => {
    const admin = await signedInAgent(t, adminCredentials);
    await useFile();
    const off = (await admin.get('/admin/staff/new').expect(200)).text;
    expect(off).toMatch(/value="password" aria-describedby="method-password-hint" checked/);
    expect(off).not.toMatch(/value="invite" aria-describedby="method-invite-hint" checked/);
    expect(off).toContain('so an invitation would not arrive');
    expect(off).toMatch(
      /href="\/admin\/manage">Administration<\/a>[\s\S]*href="\/admin\/staff">Staff<\/a>[\s\S]*aria-current="page">Add a staff member</,
    );
    await useSink();
    const on = (await admin.get('/admin/staff/new').expect(200)).text;
    expect(on).toMatch(/value="invite" aria-describedby="method-invite-hint" checked/);
    expect(on).not.toContain('so an invitation would not arrive');
  });

  test('the form starts with the categories ticked and says what the person will see', async () => {
    const now = t.clock.now();
    await t.db('categories').insert({
      name: 'Billing',
      tier: 1,
      is_public: true,
      sort_order: 9,
      is_active: true,
      created_at: now,
      updated_at: now,
    });
    const ids = (await t.db('categories').where({ is_active: true }).pluck('id')).map(Number);
    expect(ids.length).toBeGreaterThanOrEqual(2);
    const admin = await signedInAgent(t, adminCredentials);
    const page = (await admin.get('/admin/staff/new').expect(200)).text;
    for (const id of ids) expect(page).toMatch(new RegExp(`name="categories" value="${id}" checked`));
    expect(page).toContain('with none ticked they see no tickets at all');
    expect(page).toContain('data-shown-when="method=password"');

    // Sent as it stands, the new colleague works every ticked category.
    const token = csrfFrom(page);
    await admin
      .post('/admin/staff')
      .type('form')
      .send({
        _csrf: token,
        name: 'Cat Egory',
        email: 'cat@example.com',
        method: 'invite',
        role: 'default',
        categories: ids.map(String),
      })
      .expect(303);
    const staffId = Number((await t.db('staff_users').where({ email: 'cat@example.com' }).first('id')).id);
    expect(
      (await t.db('staff_categories').where({ staff_id: staffId }).pluck('category_id')).map(Number).sort(),
    ).toEqual(ids.sort());
  });
});
