import request from 'supertest';
import { csrfFrom, signIn, staffCredentials, useInstalledApp, type InstalledApp } from '../helpers/installed-app';
import { adminAgent, linkFromMail, tokenOf } from '../helpers/staff-admin';

let t: InstalledApp;
useInstalledApp((app) => (t = app), { freshRateLimits: true });

const strong = 'copper meadow kettle 58 orbit';
const otherStrong = 'saffron glacier window 17 piano';

const mailCount = async (template: string, to: string) =>
  Number((await t.db('mail_outbox').where({ template, to_address: to }).count<Array<{ n: number }>>({ n: '*' }))[0]!.n);

/** The mail is queued after the answer is sent; wait until there are this many. */
async function waitForMail(template: string, to: string, count = 1): Promise<void> {
  for (let i = 0; i < 250; i++) {
    if ((await mailCount(template, to)) >= count) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no ${template} mail to ${to}`);
}

async function invite(name: string, email: string): Promise<string> {
  const admin = await adminAgent(t);
  const token = await tokenOf(admin, '/admin/staff/new');
  await admin
    .post('/admin/staff')
    .type('form')
    .send({ _csrf: token, method: 'invite', name, email, role: 'default' })
    .expect(303);
  return linkFromMail(t, 'staff_invite', email);
}

test('invitation: mailed link sets name and password once; expired and replaced links refused; the account cannot sign in before', async () => {
  const link = await invite('Ivy <b>Invited</b>', 'ivy@example.com');
  const mail = await t
    .db('mail_outbox')
    .where({ template: 'staff_invite', to_address: 'ivy@example.com' })
    .first('subject', 'body_html');
  expect(mail.subject).toBe('You are invited to Acme Support');
  expect(mail.body_html).toContain('Ada Admin has invited you');
  // The token is stored hashed only.
  const token = link.split('/').pop()!;
  expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(JSON.stringify(await t.db('staff_tokens').select())).not.toContain(token);
  const list = (await (await adminAgent(t)).get('/admin/staff')).text;
  expect(list).toContain('data-staff-state="invited">Invited</span>');
  expect(list).toContain('Ivy &lt;b&gt;Invited&lt;/b&gt;');
  // No password yet: nothing signs in, and "forgot password" sends nothing to an invited account.
  expect((await signIn(request.agent(t.app), { email: 'ivy@example.com', password: '' })).status).toBe(400);

  const ivy = request.agent(t.app);
  const page = await ivy.get(link).expect(200);
  expect(page.headers['cache-control']).toBe('no-store');
  expect(page.text).toContain('ivy@example.com');
  const formToken = csrfFrom(page.text);
  expect((await ivy.post(link).type('form').send({ name: 'Ivy', password: strong })).status).toBe(403);
  const weak = await ivy.post(link).type('form').send({ _csrf: formToken, name: 'Ivy', password: 'ivy@example.com1' });
  expect(weak.status).toBe(400);
  expect(weak.text).toContain('href="#password"');
  expect(
    (
      await ivy
        .post(link)
        .type('form')
        .send({ _csrf: formToken, name: ['a', 'b'], password: strong })
    ).status,
  ).toBe(400);
  const done = await ivy.post(link).type('form').send({ _csrf: formToken, name: 'Ivy Ivanova', password: strong });
  expect(done.status).toBe(303);
  expect((await ivy.get(done.headers.location!)).text).toContain('Your account is ready.');
  expect((await signIn(request.agent(t.app), { email: 'ivy@example.com', password: strong })).status).toBe(303);
  const row = await t.db('staff_users').where({ email: 'ivy@example.com' }).first('name', 'invited_at');
  expect(row).toEqual({ name: 'Ivy Ivanova', invited_at: null });
  expect(await t.db('audit_log').where({ action: 'staff.invitation_accepted' }).first()).toBeDefined();

  // Single use.
  const again = await ivy.get(link);
  expect(again.status).toBe(404);
  expect(again.text).toContain('This link is not valid any more');
  const laterToken = csrfFrom((await ivy.get('/admin/forgot-password')).text);
  expect(
    (await ivy.post(link).type('form').send({ _csrf: laterToken, name: 'Mallory', password: otherStrong })).status,
  ).toBe(404);

  // Expired after 72 hours; a new invitation replaces the old link.
  const late = await invite('Leo Late', 'leo@example.com');
  t.clock.advance(72 * 3600_000 + 1);
  expect((await request.agent(t.app).get(late)).status).toBe(404);
  const admin = await adminAgent(t);
  const leo = await t.db('staff_users').where({ email: 'leo@example.com' }).first('id');
  const adminToken = await tokenOf(admin, `/admin/staff/${leo.id}`);
  await admin.post(`/admin/staff/${leo.id}/resend`).type('form').send({ _csrf: adminToken }).expect(303);
  const fresh = await linkFromMail(t, 'staff_invite', 'leo@example.com');
  expect(fresh).not.toBe(late);
  await request.agent(t.app).get(fresh).expect(200);
  // Sent once more: only the newest link works.
  await admin.post(`/admin/staff/${leo.id}/resend`).type('form').send({ _csrf: adminToken }).expect(303);
  const newest = await linkFromMail(t, 'staff_invite', 'leo@example.com');
  await request.agent(t.app).get(fresh).expect(404);
  await request.agent(t.app).get(newest).expect(200);
  // A reset link is no invitation and the other way round.
  await request.agent(t.app).get(newest.replace('/invite/', '/reset/')).expect(404);
});

test('forgot password: same answer for every address, mails a single-use 1-hour link, ends other sessions', async () => {
  const visitor = request.agent(t.app);
  const login = await visitor.get('/admin/login');
  expect(login.text).toContain('href="/admin/forgot-password"');
  const formToken = csrfFrom((await visitor.get('/admin/forgot-password').expect(200)).text);
  const known = await visitor
    .post('/admin/forgot-password')
    .type('form')
    .send({ _csrf: formToken, email: staffCredentials.email });
  const unknown = await visitor
    .post('/admin/forgot-password')
    .type('form')
    .send({ _csrf: formToken, email: 'nobody@example.com' });
  expect(known.status).toBe(200);
  expect(unknown.status).toBe(200);
  const body = (r: request.Response) => r.text.replace(/name="_csrf" value="[^"]+"/g, '');
  expect(body(known)).toBe(body(unknown));
  expect(
    (
      await visitor
        .post('/admin/forgot-password')
        .type('form')
        .send({ _csrf: formToken, email: ['a@example.com', 'b@example.com'] })
    ).status,
  ).toBe(400);
  expect(
    (await visitor.post('/admin/forgot-password').type('form').send({ email: staffCredentials.email })).status,
  ).toBe(403);
  await waitForMail('staff_password_reset', staffCredentials.email);
  await new Promise((r) => setTimeout(r, 100));
  expect(await t.db('mail_outbox').where({ to_address: 'nobody@example.com' }).first()).toBeUndefined();
  const link = await linkFromMail(t, 'staff_password_reset', staffCredentials.email);
  const token = link.split('/').pop()!;

  // Sam is signed in elsewhere; that session ends when the link is used.
  const elsewhere = request.agent(t.app);
  expect((await signIn(elsewhere, staffCredentials)).status).toBe(303);
  await elsewhere.get('/admin/tickets').expect(200);

  // Anything but the exact token is refused: changed case, padding, empty, whitespace, arrays.
  // The same token with one letter in the other case.
  const at = token.search(/[A-Za-z]/);
  const letter = token[at]!;
  const flipped =
    token.slice(0, at) +
    (letter === letter.toUpperCase() ? letter.toLowerCase() : letter.toUpperCase()) +
    token.slice(at + 1);
  for (const bad of [
    flipped,
    `${token}%20`,
    `%20${token}`,
    `${token}%0A`,
    `${token}=`,
    token.slice(0, -1),
    '%20',
    '%09%20',
    '%00',
    'x'.repeat(43),
  ]) {
    expect([bad, (await visitor.get(`/admin/reset/${bad}`)).status]).toEqual([bad, 404]);
  }
  // No token at all is no reset page (a visitor is sent to sign in).
  expect((await visitor.get('/admin/reset/')).headers.location).toMatch(/^\/admin\/login/);
  const page = await visitor.get(link).expect(200);
  const pageToken = csrfFrom(page.text);
  expect(
    (await visitor.post(`/admin/reset/${flipped}`).type('form').send({ _csrf: pageToken, password: otherStrong }))
      .status,
  ).toBe(404);
  expect(
    (
      await visitor
        .post(link)
        .type('form')
        .send({ _csrf: pageToken, password: ['x', 'y'] })
    ).status,
  ).toBe(400);
  expect((await visitor.post(link).type('form').send({ _csrf: pageToken, password: '' })).status).toBe(400);
  const done = await visitor.post(link).type('form').send({ _csrf: pageToken, password: otherStrong });
  expect(done.status).toBe(303);
  expect((await elsewhere.get('/admin/tickets')).headers.location).toMatch(/^\/admin\/login/);
  expect((await signIn(request.agent(t.app), staffCredentials)).status).toBe(401);
  expect((await signIn(request.agent(t.app), { email: staffCredentials.email, password: otherStrong })).status).toBe(
    303,
  );
  expect(await t.db('audit_log').where({ action: 'staff.password_reset' }).first()).toBeDefined();
  // Used once only.
  const laterToken = csrfFrom((await visitor.get('/admin/forgot-password')).text);
  expect((await visitor.post(link).type('form').send({ _csrf: laterToken, password: strong })).status).toBe(404);

  // A link expires after an hour.
  await t.db('rate_limits').del();
  const before = await mailCount('staff_password_reset', staffCredentials.email);
  await visitor
    .post('/admin/forgot-password')
    .type('form')
    .send({ _csrf: laterToken, email: staffCredentials.email })
    .expect(200);
  await waitForMail('staff_password_reset', staffCredentials.email, before + 1);
  const second = await linkFromMail(t, 'staff_password_reset', staffCredentials.email);
  expect(second).not.toBe(link);
  t.clock.advance(3600_000 + 1);
  expect((await visitor.get(second)).status).toBe(404);
});

test('forgot password is throttled per address: a flood sends a few mails, the answer stays the same', async () => {
  const visitor = request.agent(t.app);
  const formToken = csrfFrom((await visitor.get('/admin/forgot-password')).text);
  await t.db('mail_outbox').where({ template: 'staff_password_reset' }).del();
  for (let i = 0; i < 8; i++)
    expect(
      (
        await visitor
          .post('/admin/forgot-password')
          .type('form')
          .send({ _csrf: formToken, email: staffCredentials.email })
      ).status,
    ).toBe(200);
  await waitForMail('staff_password_reset', staffCredentials.email, 3);
  await new Promise((r) => setTimeout(r, 300));
  expect(await mailCount('staff_password_reset', staffCredentials.email)).toBe(3);
});

test('changing an account’s address voids the links mailed to the old one (an invitation sent to a mistyped address)', async () => {
  const link = await invite('Tia Typo', 'tia@exmaple.com');
  await request(t.app).get(link).expect(200);
  const admin = await adminAgent(t);
  const id = Number((await t.db('staff_users').where({ email: 'tia@exmaple.com' }).first('id')).id);
  const token = await tokenOf(admin, `/admin/staff/${id}`);
  await admin
    .post(`/admin/staff/${id}`)
    .type('form')
    .send({ _csrf: token, name: 'Tia Typo', email: 'tia@example.com', role: 'default' })
    .expect(303);
  await request(t.app).get(link).expect(404);
  // A renamed account keeps its link.
  await admin.post(`/admin/staff/${id}/resend`).type('form').send({ _csrf: token }).expect(303);
  const fresh = await linkFromMail(t, 'staff_invite', 'tia@example.com');
  await admin
    .post(`/admin/staff/${id}`)
    .type('form')
    .send({ _csrf: token, name: 'Tia T.', email: 'tia@example.com', role: 'default' })
    .expect(303);
  await request(t.app).get(fresh).expect(200);
});
