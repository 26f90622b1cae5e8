import request from 'supertest';
import { deliverDueMail } from '../../src/jobs/mail-delivery';
import {
  adminCredentials,
  csrfFrom,
  signIn,
  staffCredentials,
  useInstalledApp,
  type InstalledApp,
} from '../helpers/installed-app';
import { changedBesideSettings } from '../helpers/kept-beside-settings';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink';

/** The invitation, the password reset and the test e-mail: editable like the ticket notifications. */
let t: InstalledApp;
useInstalledApp((app) => (t = app), { freshRateLimits: true });
let admin: request.Agent;
let sink: SmtpSink;
beforeAll(async () => {
  sink = await startSmtpSink();
  await t.services.settings.save({
    'mail.transport': 'smtp',
    'mail.smtpHost': '127.0.0.1',
    'mail.smtpPort': sink.port,
    'mail.smtpSecurity': 'none',
    'helpdesk.url': 'http://help.example.test',
  });
  admin = request.agent(t.app);
  expect((await signIn(admin, adminCredentials)).status).toBe(303);
});
afterAll(async () => sink.close());

const editor = (template: string, language = 'en') => `/admin/templates/${template}/${language}`;
async function post(path: string, fields: Record<string, string | string[]>) {
  const page = await admin.get('/admin/templates').expect(200);
  return admin
    .post(path)
    .type('form')
    .send({ _csrf: csrfFrom(page.text), ...fields });
}
const overrides = async () => Number((await t.db('mail_template_overrides').count({ n: '*' }).first())!.n);

/** Waits for the queued mail (some are queued after the answer), delivers it and returns what the sink got. */
async function deliveredTo(address: string, template: string) {
  for (let i = 0; i < 250 && !(await t.db('mail_outbox').where({ template, to_address: address }).first('id')); i++)
    await new Promise((r) => setTimeout(r, 20));
  await deliverDueMail(t.services);
  for (let i = 0; i < 50; i++) {
    const mail = sink.received.find((m) => m.to.includes(address) && m.parsed.subject?.includes('Custom'));
    if (mail) return mail;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no ${template} mail to ${address}`);
}

test('the three are listed in every language; the editors start from the built-in wording with their placeholders', async () => {
  const list = await admin.get('/admin/templates').expect(200);
  for (const name of ['staff_invite', 'staff_password_reset', 'test_message']) {
    for (const lang of ['en', 'sk', 'ru', 'hu', 'lv']) expect(list.text).toContain(`href="${editor(name, lang)}"`);
  }
  expect(list.text).toContain('Staff invitation (to a new colleague)');
  const invite = await admin.get(editor('staff_invite')).expect(200);
  expect(invite.text).toContain('value="You are invited to {{helpdesk_name}}"');
  expect(invite.text).toContain('{{invited_by}} has invited you to answer tickets at {{helpdesk_name}}.');
  expect(invite.text).toContain('Accept the invitation: {{invite_url}}');
  expect(invite.text).toContain('expires in {{valid_hours}} hours');
  expect(invite.text).toContain('<dt>{{invite_url}}</dt>');
  const reset = await admin.get(editor('staff_password_reset', 'sk')).expect(200);
  expect(reset.text).toContain('Zvoliť nové heslo: {{reset_url}}');
  expect(reset.text).toContain('<dt>{{valid_minutes}}</dt>');
  const testMail = await admin.get(editor('test_message')).expect(200);
  expect(testMail.text).toContain('sent by {{requested_by}} from the sending settings');
});

test('the preview shows each with a sample: the link as a link, the sample name', async () => {
  const invite = await admin.get(`${editor('staff_invite')}/preview`).expect(200);
  expect(invite.text).toContain('Ada Admin has invited you');
  expect(invite.text).toContain('href="http://help.example.test/admin/invite/SAMPLE-LINK-NOT-VALID"');
  expect(invite.text).toContain('72 hours');
  const reset = await admin.get(`${editor('staff_password_reset', 'ru')}/preview`).expect(200);
  expect(reset.text).toContain('/admin/reset/SAMPLE-LINK-NOT-VALID');
  expect(reset.text).toContain('60 мин.');
  for (const lang of ['en', 'hu', 'lv']) await admin.get(`${editor('test_message', lang)}/preview`).expect(200);
  const draft = await post(`${editor('staff_password_reset')}/preview`, {
    subject: 'Custom',
    body: 'Go to {{reset_url}} within {{valid_minutes}} minutes, {{recipient_name}}.',
  });
  expect(draft.status).toBe(200);
  expect(draft.text).toContain('Go to <a href="http://help.example.test/admin/reset/SAMPLE-LINK-NOT-VALID"');
  expect(draft.text).toContain('within 60 minutes, Sam Staff.');
});

test('an invitation or reset without its link is refused with a clear error, and a stored one without it is not used', async () => {
  const res = await post(editor('staff_invite'), {
    subject: 'Welcome',
    body: 'Welcome aboard, {{recipient_name}}! Ask {{invited_by}} for the link.',
  });
  expect(res.status).toBe(400);
  expect(res.text).toContain('id="body-error"');
  expect(res.text).toContain('The text must contain {{invite_url}}: without this link the e-mail is useless.');
  expect(res.text).toContain('Ask {{invited_by}} for the link.</textarea>');
  expect(
    (await post(editor('staff_password_reset', 'hu'), { subject: 'x', body: 'Link: {{invite_url}}' })).status,
  ).toBe(400); // not its link
  expect((await post(`${editor('staff_password_reset')}/preview`, { subject: 'x', body: 'No link' })).status).toBe(400);
  expect(
    (await post(editor('staff_password_reset'), { subject: 'Reset at {{reset_url}}', body: 'No link here' })).status,
  ).toBe(400); // the subject does not count
  expect(await overrides()).toBe(0);

  // A row written by other means (or before this rule) cannot drop the link: the built-in mail goes out.
  await t.db('mail_template_overrides').insert({
    template: 'staff_invite',
    language: 'en',
    subject: 'Custom without link',
    body: 'No link',
    updated_by_staff_id: null,
    updated_at: t.clock.now(),
  });
  await changedBesideSettings(t);
  await invite('Nina New', 'nina@example.com');
  const row = await t
    .db('mail_outbox')
    .where({ template: 'staff_invite', to_address: 'nina@example.com' })
    .first('subject', 'body_text');
  expect(row.subject).toBe('You are invited to Acme Support');
  expect(row.body_text).toMatch(/http:\/\/help\.example\.test\/admin\/invite\/[A-Za-z0-9_-]{43}/);
  await t.db('mail_template_overrides').del();
  await changedBesideSettings(t);
});

async function invite(name: string, email: string) {
  const form = await admin.get('/admin/staff/new').expect(200);
  await admin
    .post('/admin/staff')
    .type('form')
    .send({ _csrf: csrfFrom(form.text), method: 'invite', name, email, role: 'default' })
    .expect(303);
}

test('a saved invitation is sent with the real single-use link, which works; HTML and script in the text stay text', async () => {
  const saved = await post(editor('staff_invite'), {
    subject: 'Custom: join {{helpdesk_name}}, {{recipient_name}}',
    body: '<script>alert(1)</script> <b>{{invited_by}}</b> wants you here.\n\nStart at {{invite_url}} (valid {{valid_hours}} h).',
  });
  expect(saved.status).toBe(303);
  await invite('Iris <i>Invited</i>', 'iris@example.com');
  const mail = await deliveredTo('iris@example.com', 'staff_invite');
  expect(mail.parsed.subject).toBe('Custom: join Acme Support, Iris <i>Invited</i>');
  const link = /http:\/\/help\.example\.test(\/admin\/invite\/[A-Za-z0-9_-]{43})/.exec(mail.parsed.text as string);
  expect(link).not.toBeNull();
  expect(mail.parsed.text).toContain('<script>alert(1)</script> <b>Ada Admin</b> wants you here.');
  expect(mail.parsed.text).toContain('(valid 72 h)');
  const html = mail.parsed.html as string;
  expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &lt;b&gt;Ada Admin&lt;/b&gt; wants you here.');
  expect(html).toContain(`Start at <a href="http://help.example.test${link![1]}"`);
  expect(html).not.toMatch(/<script|<b>|<i>/);
  expect((await request.agent(t.app).get(link![1]!).expect(200)).text).toContain('iris@example.com');

  await post(`${editor('staff_invite')}/reset`, {}).then((r) =>
    expect(r.headers.location).toBe(`${editor('staff_invite')}?done=reset`),
  );
  expect(await overrides()).toBe(0);
  await invite('Otto Other', 'otto@example.com');
  const row = await t
    .db('mail_outbox')
    .where({ template: 'staff_invite', to_address: 'otto@example.com' })
    .first('subject');
  expect(row.subject).toBe('You are invited to Acme Support');
});

test("a saved password reset is sent with the working link, in the staff member's language", async () => {
  await post(editor('staff_password_reset'), {
    subject: 'Custom reset for {{recipient_name}}',
    body: 'Choose a password at {{reset_url}} within {{valid_minutes}} minutes.',
  }).then((r) => expect(r.status).toBe(303));
  await post(editor('staff_password_reset', 'sk'), { subject: 'Vlastné', body: 'Odkaz: {{reset_url}}' }).then((r) =>
    expect(r.status).toBe(303),
  );
  const visitor = request.agent(t.app);
  const form = await visitor.get('/admin/forgot-password').expect(200);
  await visitor
    .post('/admin/forgot-password')
    .type('form')
    .send({ _csrf: csrfFrom(form.text), email: staffCredentials.email })
    .expect(200);
  const mail = await deliveredTo(staffCredentials.email, 'staff_password_reset');
  expect(mail.parsed.subject).toBe(`Custom reset for ${staffCredentials.name}`);
  const link =
    /Choose a password at http:\/\/help\.example\.test(\/admin\/reset\/[A-Za-z0-9_-]{43}) within 60 minutes\./.exec(
      mail.parsed.text as string,
    );
  expect(link).not.toBeNull();
  expect(mail.parsed.html).toContain(`<a href="http://help.example.test${link![1]}"`);
  await request.agent(t.app).get(link![1]!).expect(200);
  await t.db('mail_template_overrides').del();
  await changedBesideSettings(t);
});

test('a saved test e-mail text is what the "send test e-mail" button sends', async () => {
  await post(editor('test_message'), {
    subject: 'Custom test from {{helpdesk_name}}',
    body: 'Hi, {{requested_by}} checks the mail <u>settings</u>.',
  }).then((r) => expect(r.status).toBe(303));
  const res = await post('/admin/settings/sending/test', { testTo: adminCredentials.email });
  expect(res.status).toBe(200);
  const mail = await deliveredTo(adminCredentials.email, 'test_message');
  expect(mail.parsed.subject).toBe('Custom test from Acme Support');
  expect(mail.parsed.text).toContain('Hi, Ada Admin checks the mail <u>settings</u>.');
  expect(mail.parsed.html).toContain('Hi, Ada Admin checks the mail &lt;u&gt;settings&lt;/u&gt;.');
  expect(
    await t.db('audit_log').where({ action: 'template.saved', target_id: 'test_message/en' }).first('id'),
  ).toBeDefined();
});
