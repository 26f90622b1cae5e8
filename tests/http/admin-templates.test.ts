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
import { openTicket } from '../helpers/portal';
import { changedBesideSettings } from '../helpers/kept-beside-settings';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink';

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

const editor = '/admin/templates/ticket_received/en';
async function post(path: string, fields: Record<string, string | string[]>) {
  const page = await admin.get(editor).expect(200);
  return admin
    .post(path)
    .type('form')
    .send({ _csrf: csrfFrom(page.text), ...fields });
}
/** Runs the delivery job and returns the mail the sink received for `address`. */
async function deliveredTo(address: string) {
  await deliverDueMail(t.services);
  for (let i = 0; i < 50; i++) {
    const mail = sink.received.find((m) => m.to.includes(address));
    if (mail) return mail;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no mail to ${address}`);
}

test('the list shows every notification per language; the editor starts from the built-in wording with its placeholders', async () => {
  const list = await admin.get('/admin/templates').expect(200);
  for (const name of [
    'ticket_received',
    'staff_replied',
    'ticket_resolved',
    'forgot_tracking',
    'staff_new_ticket',
    'staff_escalated',
    'staff_assigned',
    'staff_customer_replied',
  ]) {
    for (const lang of ['en', 'sk', 'ru', 'hu', 'lv'])
      expect(list.text).toContain(`href="/admin/templates/${name}/${lang}"`);
  }
  const page = await admin.get(editor).expect(200);
  expect(page.text).toContain('value="We have received your request: {{subject}}"');
  expect(page.text).toContain('Tracking ID: {{tracking_id}}');
  expect(page.text).toContain('<dt>{{customer_name}}</dt>');
  expect(page.text).toContain('This language uses the built-in template.');
  const sk = await admin.get('/admin/templates/ticket_received/sk').expect(200);
  expect(sk.text).not.toContain('We have received your request');
  await admin.get('/admin/templates/nothing/en').expect(404);
  await admin.get('/admin/templates/ticket_received/xx').expect(404);
  await admin.get('/admin/templates/__proto__/en').expect(404);
});

test('a saved template is used by the real outgoing mail, with placeholders filled; reset brings the built-in one back', async () => {
  const saved = await post(editor, {
    subject: 'Got it, {{customer_name}}: {{subject}}',
    body: 'Dear {{customer_name}},\n\nyour number is {{tracking_id}}.\nFollow it at {{ticket_url}}\n\nThe {{helpdesk_name}} team',
  });
  expect(saved.status).toBe(303);
  expect(saved.headers.location).toBe(`${editor}?done=saved`);
  expect((await admin.get(saved.headers.location!)).text).toContain('This language uses your own text.');

  const id = await openTicket(t, request.agent(t.app), { name: 'Carla Customer', subject: 'Broken printer' });
  const mail = await deliveredTo('carla@example.net');
  const tracking = `${id.slice(0, 3)}-${id.slice(3, 6)}-${id.slice(6)}`;
  expect(mail.parsed.subject).toBe(`[#${tracking}] Got it, Carla Customer: Broken printer`);
  expect(mail.parsed.text).toContain(
    `Dear Carla Customer,\n\nyour number is ${tracking}.\nFollow it at http://help.example.test/helpdesk/tickets/${id}`,
  );
  expect(mail.parsed.text).toContain('Hello Carla Customer,'); // the frame stays
  expect(mail.parsed.html).toContain(
    `your number is ${tracking}.<br>Follow it at <a href="http://help.example.test/helpdesk/tickets/${id}`,
  );
  expect(mail.parsed.html).toContain('The Acme Support team');

  const reset = await post(`${editor}/reset`, {});
  expect(reset.headers.location).toBe(`${editor}?done=reset`);
  expect(
    await t
      .db('mail_template_overrides')
      .count({ n: '*' })
      .first()
      .then((r) => Number(r!.n)),
  ).toBe(0);
  await openTicket(t, request.agent(t.app), { email: 'dan@example.net', name: 'Dan' });
  const back = await deliveredTo('dan@example.net');
  expect(back.parsed.subject).toMatch(/We have received your request: Printer on fire$/);
});

test('HTML and script in a template stay text; a customer name with {{…}} or <script> is not expanded nor run', async () => {
  await post(editor, {
    subject: '<b>{{subject}}</b>',
    body: '<script>alert(1)</script> <img src=x onerror=alert(2)>\n\nHi {{customer_name}}, {{ticket_url}}',
  }).then((r) => expect(r.status).toBe(303));
  const evil = '{{ticket_url}} <script>alert(3)</script>';
  await openTicket(t, request.agent(t.app), {
    email: 'mallory@example.net',
    name: evil,
    subject: '{{helpdesk_name}} <i>x</i>',
  });
  const mail = await deliveredTo('mallory@example.net');
  const html = mail.parsed.html as string;
  expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &lt;img src=x onerror=alert(2)&gt;');
  expect(html).toContain('Hi {{ticket_url}} &lt;script&gt;alert(3)&lt;/script&gt;,');
  expect(html).not.toMatch(/<script|<img/);
  expect(mail.parsed.subject).toContain('<b>{{helpdesk_name}} <i>x</i></b>'); // a subject is text: the values were not filled twice
  expect(mail.parsed.text).toContain('Hi {{ticket_url}} <script>alert(3)</script>, http://');

  const page = await admin.get(editor).expect(200);
  expect(page.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  expect(page.text).not.toContain('<script>alert(1)');
});

test('the preview shows the sample ticket with the saved or the posted text, sandboxed', async () => {
  await post(editor, { subject: 'Saved {{subject}}', body: 'Saved body for {{customer_name}}' });
  const saved = await admin.get(`${editor}/preview`).expect(200);
  expect(saved.headers['content-security-policy']).toMatch(/default-src 'none'.*sandbox/);
  expect(saved.headers['content-security-policy']).toContain("frame-ancestors 'self'");
  expect(saved.text).toContain('Saved body for Eve Example');
  expect(saved.text).toContain('[#ABC-234-DEFG] Saved The printer prints only blank pages');

  const draft = await post(`${editor}/preview`, {
    subject: 'Draft {{tracking_id}}',
    body: 'Draft <script>x</script> {{reply_text}}',
  });
  expect(draft.status).toBe(400); // reply_text is not a placeholder of this mail
  const ok = await post(`${editor}/preview`, {
    subject: 'Draft {{tracking_id}}',
    body: 'Draft <script>x</script> {{customer_name}}',
  });
  expect(ok.status).toBe(200);
  expect(ok.text).toContain('Draft &lt;script&gt;x&lt;/script&gt; Eve Example');
  expect((await admin.get(`${editor}/preview`)).text).toContain('Saved body'); // a preview saves nothing

  for (const name of [
    'staff_assigned',
    'staff_customer_replied',
    'forgot_tracking',
    'ticket_resolved',
    'staff_new_ticket',
  ])
    await admin.get(`/admin/templates/${name}/hu/preview`).expect(200);
  const builtIn = await admin.get('/admin/templates/staff_escalated/sk/preview').expect(200);
  expect(builtIn.text).toContain('Eskalované na vás: Tlačiareň tlačí len prázdne strany'); // the sample ticket in the template's language
});

test('bad input is refused beside its field and nothing is saved', async () => {
  await t.db('mail_template_overrides').del();
  await changedBesideSettings(t);
  const res = await post(editor, { subject: '', body: 'Hi {{customr_name}}' });
  expect(res.status).toBe(400);
  expect(res.text).toContain('There is a problem');
  expect(res.text).toContain('id="subject-error"');
  expect(res.text).toContain('{{customr_name}} is not a placeholder of this e-mail.');
  expect(res.text).toContain('Hi {{customr_name}}</textarea>');
  expect((await post(editor, { subject: ['a', 'b'], body: 'x' })).status).toBe(400);
  expect((await post(editor, { subject: 'a\r\nBcc: x@example.com', body: 'x' })).status).toBe(400);
  expect((await post(editor, { subject: 'ok', body: 'y'.repeat(20_001) })).status).toBe(400);
  expect(
    await t
      .db('mail_template_overrides')
      .count({ n: '*' })
      .first()
      .then((r) => Number(r!.n)),
  ).toBe(0);
});

test('changes are audit-logged; CSRF and the capability are enforced', async () => {
  await t.db('audit_log').del();
  await post(editor, { subject: 'Audited', body: 'Body' });
  await post(`${editor}/reset`, {});
  const rows = await t.db('audit_log').orderBy('id').select('action', 'target_id', 'staff_name');
  expect(rows).toEqual([
    { action: 'template.saved', target_id: 'ticket_received/en', staff_name: adminCredentials.name },
    { action: 'template.reset', target_id: 'ticket_received/en', staff_name: adminCredentials.name },
  ]);
  await admin.post(editor).type('form').send({ subject: 'No token', body: 'x' }).expect(403);
  const staff = request.agent(t.app);
  await signIn(staff, staffCredentials);
  await staff.get('/admin/templates').expect(403);
  await staff.get(editor).expect(403);
  await staff.get(`${editor}/preview`).expect(403);
  const dash = await staff.get('/admin').expect(200);
  await staff
    .post(editor)
    .type('form')
    .send({ _csrf: csrfFrom(dash.text), subject: 'Staff', body: 'x' })
    .expect(403);
  expect(
    await t
      .db('mail_template_overrides')
      .count({ n: '*' })
      .first()
      .then((r) => Number(r!.n)),
  ).toBe(0);
});
