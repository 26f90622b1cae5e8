import request from 'supertest';
import {
  adminCredentials,
  csrfFrom,
  signIn,
  staffCredentials,
  useInstalledApp,
  type InstalledApp,
} from '../helpers/installed-app';

let t: InstalledApp;
useInstalledApp((app) => (t = app), { freshRateLimits: true });

async function signedIn(creds: { email: string; password: string }) {
  const agent = request.agent(t.app);
  expect((await signIn(agent, creds)).status).toBe(303);
  const token = csrfFrom((await agent.get('/admin/profile').expect(200)).text);
  return { agent, token };
}
const sidOf = (res: request.Response) => /tessera\.sid=([^;]+)/.exec(String(res.headers['set-cookie']))?.[1];
const samRow = () => t.db('staff_users').where({ email: staffCredentials.email }).first();

test('details are saved, shown escaped, and switch the language; bad input is refused with the form kept', async () => {
  const { agent, token } = await signedIn(staffCredentials);
  const saved = await agent
    .post('/admin/profile')
    .type('form')
    .send({ _csrf: token, name: 'Sam <script>alert(1)</script>', signature: 'Sam\r\n<b>Support</b>', language: 'sk' })
    .expect(303);
  expect(saved.headers.location).toBe('/admin/profile?done=details&lang=sk');
  const row = await samRow();
  expect([row.name, row.signature, row.language]).toEqual([
    'Sam <script>alert(1)</script>',
    'Sam\n<b>Support</b>',
    'sk',
  ]);
  const page = await agent.get(saved.headers.location!).expect(200);
  expect(page.text).toContain('Váš profil');
  expect(page.text).toContain('Sam &lt;script&gt;alert(1)&lt;/script&gt;');
  expect(page.text).toContain('&lt;b&gt;Support&lt;/b&gt;</textarea>');
  expect(page.text).not.toContain('<script>alert(1)');

  const empty = await agent
    .post('/admin/profile?lang=en')
    .type('form')
    .send({ _csrf: token, name: '  ', signature: '', language: 'en' });
  expect(empty.status).toBe(400);
  expect(empty.text).toContain('href="#name"');
  expect(empty.text).toContain('Fill in this field.');
  const huge = await agent
    .post('/admin/profile')
    .type('form')
    .send({ _csrf: token, name: 'x'.repeat(121), signature: 'y'.repeat(2001), language: 'xx' });
  expect(huge.status).toBe(400);
  for (const field of ['name', 'signature', 'language']) expect(huge.text).toContain(`href="#${field}"`);
  expect(huge.text).toContain('Choose a language from the list.');
  const arrays = await agent
    .post('/admin/profile')
    .type('form')
    .send(`_csrf=${encodeURIComponent(token)}&name=a&name=b&signature=s&language=en`);
  expect(arrays.status).toBe(400);
  const control = await agent
    .post('/admin/profile')
    .type('form')
    .send({ _csrf: token, name: 'Line\nbreak', language: 'en' });
  expect(control.status).toBe(400);
  expect((await samRow()).name).toBe('Sam <script>alert(1)</script>');

  await agent.post('/admin/profile').type('form').send({ name: 'No token', language: 'en' }).expect(403);
  await agent
    .post('/admin/profile')
    .type('form')
    .send({ _csrf: token, name: staffCredentials.name, signature: '', language: 'en' })
    .expect(303);
  expect((await samRow()).signature).toBeNull();
});

test('notification switches and "away" are saved; anything but a ticked box is refused', async () => {
  const { agent, token } = await signedIn(staffCredentials);
  const page = (await agent.get('/admin/profile').expect(200)).text;
  expect(page).toMatch(/id="notify_assigned" name="notify_assigned" value="yes" checked/);
  await agent
    .post('/admin/profile/notifications')
    .type('form')
    .send({ _csrf: token, notify_assigned: 'yes', notify_escalated: 'yes', is_away: 'yes' })
    .expect(303);
  let row = await samRow();
  expect(
    [row.notify_assigned, row.notify_customer_reply, row.notify_escalated, row.notify_new_ticket, row.is_away].map(
      Boolean,
    ),
  ).toEqual([true, false, true, false, true]);
  const after = (await agent.get('/admin/profile').expect(200)).text;
  expect(after).toMatch(/id="is_away" name="is_away" value="yes" aria-describedby="away-hint" checked/);
  expect(after).not.toMatch(/id="notify_new_ticket" name="notify_new_ticket" value="yes" checked/);

  const wrong = await agent
    .post('/admin/profile/notifications')
    .type('form')
    .send(`_csrf=${encodeURIComponent(token)}&is_away=yes&is_away=yes`);
  expect(wrong.status).toBe(400);
  await agent
    .post('/admin/profile/notifications')
    .type('form')
    .send({ _csrf: token, notify_new_ticket: 'true' })
    .expect(400);
  await agent
    .post('/admin/profile/notifications')
    .type('form')
    .send({
      _csrf: token,
      notify_assigned: 'yes',
      notify_customer_reply: 'yes',
      notify_escalated: 'yes',
      notify_new_ticket: 'yes',
    })
    .expect(303);
  row = await samRow();
  expect(
    [row.notify_assigned, row.notify_customer_reply, row.notify_escalated, row.notify_new_ticket, row.is_away].map(
      Boolean,
    ),
  ).toEqual([true, true, true, true, false]);
});

test('a password change needs the current password, follows the rules, and signs out every other session', async () => {
  const creds = { ...adminCredentials };
  const other = request.agent(t.app);
  expect((await signIn(other, creds)).status).toBe(303);
  await other.get('/admin').expect(200);
  const { agent, token } = await signedIn(creds);
  const send = (fields: Record<string, string>) =>
    agent
      .post('/admin/profile/password')
      .type('form')
      .send({ _csrf: token, ...fields });

  const wrong = await send({
    current_password: 'not my password at all',
    new_password: 'a brand new lengthy passphrase 99',
    confirm_password: 'a brand new lengthy passphrase 99',
  });
  expect(wrong.status).toBe(400);
  expect(wrong.text).toContain('The password is not correct.');
  expect(wrong.text).not.toContain('brand new lengthy');
  const weak = await send({
    current_password: creds.password,
    new_password: 'ada@example.com1',
    confirm_password: 'ada@example.com1',
  });
  expect(weak.status).toBe(400);
  expect(weak.text).toContain('href="#new_password"');
  const short = await send({ current_password: creds.password, new_password: 'short', confirm_password: 'short' });
  expect(short.text).toContain('at least 12 characters');
  const mismatch = await send({
    current_password: creds.password,
    new_password: 'a brand new lengthy passphrase 99',
    confirm_password: 'a brand new lengthy passphrase 98',
  });
  expect(mismatch.text).toContain('The two new passwords are not the same.');
  await agent
    .post('/admin/profile/password')
    .type('form')
    .send(`_csrf=${encodeURIComponent(token)}&current_password=a&current_password=b&new_password=x&confirm_password=x`)
    .expect(400);
  await agent
    .post('/admin/profile/password')
    .type('form')
    .send({ current_password: creds.password, new_password: 'x', confirm_password: 'x' })
    .expect(403);
  await other.get('/admin').expect(200);

  const sidBefore = sidOf(await agent.get('/admin/profile'));
  expect(sidBefore).toBeTruthy();
  const changed = await send({
    current_password: creds.password,
    new_password: 'a brand new lengthy passphrase 99',
    confirm_password: 'a brand new lengthy passphrase 99',
  });
  expect(changed.status).toBe(303);
  expect(changed.headers.location).toBe('/admin/profile?done=password');
  expect(sidOf(changed)).toBeTruthy();
  expect(sidOf(changed)).not.toBe(sidBefore);
  expect((await agent.get(changed.headers.location!).expect(200)).text).toContain('Your password has been changed.');
  // The other session is over; this one carries on.
  const otherNow = await other.get('/admin');
  expect(otherNow.status).toBe(303);
  expect(otherNow.headers.location).toContain('/admin/login');
  expect((await signIn(request.agent(t.app), creds)).status).toBe(401);
  expect(
    (await signIn(request.agent(t.app), { email: creds.email, password: 'a brand new lengthy passphrase 99' })).status,
  ).toBe(303);
  expect(await t.db('audit_log').where({ action: 'staff.password_changed' }).pluck('staff_name')).toEqual([creds.name]);
});

test('wrong current passwords are throttled', async () => {
  const { agent, token } = await signedIn(staffCredentials);
  let last = 0;
  for (let i = 0; i < 8; i++) {
    last = (
      await agent
        .post('/admin/profile/password')
        .type('form')
        .send({ _csrf: token, current_password: `guess number ${i}`, new_password: 'x', confirm_password: 'x' })
    ).status;
  }
  expect(last).toBe(429);
});

test('the profile needs a signed-in staff member', async () => {
  const res = await request(t.app).get('/admin/profile');
  expect(res.status).toBe(303);
  expect(res.headers.location).toBe('/admin/login?next=%2Fadmin%2Fprofile');
});

test('signing in switches the staff pages to the language chosen in the profile', async () => {
  await t.db('staff_users').where({ email: staffCredentials.email }).update({ language: 'hu' });
  try {
    const agent = request.agent(t.app);
    expect((await signIn(agent, staffCredentials)).status).toBe(303);
    expect((await agent.get('/admin/profile').expect(200)).text).toContain('Az Ön profilja');
  } finally {
    await t.db('staff_users').where({ email: staffCredentials.email }).update({ language: 'en' });
  }
});
