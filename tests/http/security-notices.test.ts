import request from 'supertest';
import { createApiToken } from '../../src/api-tokens/api-tokens.service';
import { hashPassword } from '../../src/staff/password';
import {
  adminCredentials,
  csrfFrom,
  signIn,
  signedInAgent,
  staffCredentials,
  useInstalledApp,
  type InstalledApp,
} from '../helpers/installed-app';
import { adminAgent, createRole, linkFromMail, tokenOf } from '../helpers/staff-admin';

// Issue 18 items 22 and 17: security notices (ASVS 2.5.5) and the admin's password reset.
let t: InstalledApp;
useInstalledApp((app) => (t = app), { freshRateLimits: true });
beforeEach(async () => {
  await t.db('mail_outbox').del();
});

const strong = 'a brand new passphrase for sam 77';
const samId = async () => Number((await t.db('staff_users').where({ email: staffCredentials.email }).first('id')).id);
const notices = (to: string) =>
  t
    .db('mail_outbox')
    .where({ template: 'staff_security_notice', to_address: to })
    .orderBy('id')
    .select('subject', 'body_text', 'body_html');
async function restoreSam() {
  await t
    .db('staff_users')
    .where({ email: staffCredentials.email })
    .update({ password_hash: await hashPassword(staffCredentials.password), is_active: true, role_id: null });
}
afterEach(async () => {
  await restoreSam();
  await t.db('staff_two_factor').del();
});

test("changing one's password queues a notice to the account, in its language, with the way to act", async () => {
  await t.db('staff_users').where({ email: staffCredentials.email }).update({ language: 'sk' });
  try {
    const sam = await signedInAgent(t, staffCredentials);
    const page = await sam.get('/admin/profile').expect(200);
    await sam
      .post('/admin/profile/password')
      .type('form')
      .send({
        _csrf: csrfFrom(page.text),
        current_password: staffCredentials.password,
        new_password: strong,
        confirm_password: strong,
      })
      .expect(303);
    const [mail, ...more] = await notices(staffCredentials.email);
    expect(more).toEqual([]);
    expect(mail.subject).toBe('Bezpečnostné upozornenie k vášmu účtu v helpdesku Acme Support');
    expect(mail.body_text).toContain('Heslo vášho pracovného účtu v helpdesku Acme Support bolo zmenené.');
    expect(mail.body_text).toContain('http://localhost/admin/forgot-password');
    expect(mail.body_text).toMatch(/Kedy: \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    expect(mail.body_html).toContain('href="http://localhost/admin/forgot-password"');
  } finally {
    await t.db('staff_users').where({ email: staffCredentials.email }).update({ language: 'en' });
  }
});

test('a reset through the mailed link queues a notice; a refused form queues none', async () => {
  const visitor = request.agent(t.app);
  const form = await visitor.get('/admin/forgot-password');
  await visitor
    .post('/admin/forgot-password')
    .type('form')
    .send({ _csrf: csrfFrom(form.text), email: staffCredentials.email })
    .expect(200);
  for (let i = 0; i < 500 && !(await t.db('mail_outbox').where({ template: 'staff_password_reset' }).first()); i++)
    await new Promise((r) => setImmediate(r));
  const link = await linkFromMail(t, 'staff_password_reset', staffCredentials.email);
  const page = await visitor.get(link).expect(200);
  await visitor
    .post(link)
    .type('form')
    .send({ _csrf: csrfFrom(page.text), password: 'short' })
    .expect(400);
  expect(await notices(staffCredentials.email)).toEqual([]);
  await visitor
    .post(link)
    .type('form')
    .send({ _csrf: csrfFrom(page.text), password: strong })
    .expect(303);
  const [mail] = await notices(staffCredentials.email);
  expect(mail.body_text).toContain('was reset with a link sent to this address');
});

test("an admin switching off someone's two-factor sign-in queues a notice that names the admin", async () => {
  const id = await samId();
  await t
    .db('staff_two_factor')
    .insert({ staff_id: id, secret_encrypted: 'x', enabled_at: 1, created_at: 1, updated_at: 1 });
  const admin = await adminAgent(t);
  const csrf = await tokenOf(admin, `/admin/staff/${id}/two-factor`);
  await admin.post(`/admin/staff/${id}/two-factor/reset`).type('form').send({ _csrf: csrf }).expect(303);
  const [mail] = await notices(staffCredentials.email);
  expect(mail.body_text).toContain(
    `${adminCredentials.name} switched off two-factor sign-in for your staff account at Acme Support.`,
  );
});

test("an admin resets a colleague's password: the old one stops working, sessions end, tokens are revoked, link and notice are queued", async () => {
  const id = await samId();
  const sam = await signedInAgent(t, staffCredentials);
  const { token } = await createApiToken(
    t.services,
    { id, name: 'Sam', isAdmin: false, capabilities: ['tickets.view'] },
    { name: 'script', expires: '90' },
    '127.0.0.1',
  );
  await request(t.app).get('/api/v1/me').set('Authorization', `Bearer ${token}`).expect(200);

  const admin = await adminAgent(t);
  const staffPage = await admin.get(`/admin/staff/${id}`).expect(200);
  expect(staffPage.text).toContain(`action="/admin/staff/${id}/reset-password"`);
  // Without the form token nothing happens.
  await admin.post(`/admin/staff/${id}/reset-password`).type('form').send({}).expect(403);
  const done = await admin
    .post(`/admin/staff/${id}/reset-password`)
    .type('form')
    .send({ _csrf: csrfFrom(staffPage.text) })
    .expect(303);
  expect(done.headers.location).toBe(`/admin/staff/${id}?done=passwordReset`);

  expect((await sam.get('/admin/tickets')).headers.location).toMatch(/^\/admin\/login/);
  expect((await signIn(request.agent(t.app), staffCredentials)).status).toBe(401);
  await request(t.app).get('/api/v1/me').set('Authorization', `Bearer ${token}`).expect(401);
  const [notice] = await notices(staffCredentials.email);
  expect(notice.body_text).toContain(`${adminCredentials.name} reset the password of your staff account`);
  const link = await linkFromMail(t, 'staff_password_reset', staffCredentials.email);
  const visitor = request.agent(t.app);
  const page = await visitor.get(link).expect(200);
  await visitor
    .post(link)
    .type('form')
    .send({ _csrf: csrfFrom(page.text), password: strong })
    .expect(303);
  expect((await signIn(request.agent(t.app), { email: staffCredentials.email, password: strong })).status).toBe(303);
  const audit = await t
    .db('audit_log')
    .where({ action: 'staff.password_reset_by_admin' })
    .first('details', 'target_id');
  expect(JSON.parse(String(audit.details))).toEqual({ tokensRevoked: 1 });
});

test("nobody resets their own password this way, and a staff manager cannot reset an admin's", async () => {
  const admin = await adminAgent(t);
  const adaId = Number((await t.db('staff_users').where({ email: adminCredentials.email }).first('id')).id);
  const csrf = await tokenOf(admin, `/admin/staff/${adaId}`);
  expect((await admin.post(`/admin/staff/${adaId}/reset-password`).type('form').send({ _csrf: csrf })).status).toBe(
    409,
  );
  const roleId = await createRole(t, admin, 'Staff managers', ['tickets.view', 'staff.manage']);
  await t.db('staff_users').where({ email: staffCredentials.email }).update({ role_id: roleId });
  const sam = await signedInAgent(t, staffCredentials);
  const samCsrf = await tokenOf(sam, '/admin/staff');
  expect((await sam.post(`/admin/staff/${adaId}/reset-password`).type('form').send({ _csrf: samCsrf })).status).toBe(
    403,
  );
  expect((await signIn(request.agent(t.app), adminCredentials)).status).toBe(303);
  expect(await notices(adminCredentials.email)).toEqual([]);
});

test('the notice is an editable template in every language, and its wording must keep the link', async () => {
  const admin = await adminAgent(t);
  const list = await admin.get('/admin/templates').expect(200);
  for (const lang of ['en', 'sk', 'ru', 'hu', 'lv'])
    expect(list.text).toContain(`href="/admin/templates/staff_security_notice/${lang}"`);
  const editor = await admin.get('/admin/templates/staff_security_notice/en').expect(200);
  expect(editor.text).toContain('{{password_url}}');
  const csrf = csrfFrom(list.text);
  const noLink = await admin
    .post('/admin/templates/staff_security_notice/en')
    .type('form')
    .send({ _csrf: csrf, subject: 'x', body: 'Something happened: {{what}}' });
  expect(noLink.status).toBe(400);
  await admin
    .post('/admin/templates/staff_security_notice/en')
    .type('form')
    .send({ _csrf: csrf, subject: 'Heads up', body: '{{what}} At {{time}}. Not you? {{password_url}}' })
    .expect(303);
  const preview = await admin.get('/admin/templates/staff_security_notice/en/preview').expect(200);
  expect(preview.text).toContain(
    'The password of your staff account at Acme Support was changed. At 2026-01-15 09:30 UTC.',
  );
});
