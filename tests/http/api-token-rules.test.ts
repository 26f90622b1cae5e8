import request from 'supertest';
import { createApiToken } from '../../src/api-tokens/api-tokens.service';
import { tokenFailureLimit } from '../../src/web/api/bearer-auth';
import {
  adminCredentials,
  csrfFrom,
  signedInAgent,
  staffCredentials,
  useInstalledApp,
  type InstalledApp,
} from '../helpers/installed-app';
import { adminAgent, tokenOf } from '../helpers/staff-admin';

// Issue 18 items 17, 21 and 19: when API tokens stop working, and when they do not.
let t: InstalledApp;
useInstalledApp((app) => (t = app), { freshRateLimits: true });

const staffRow = (email: string) => t.db('staff_users').where({ email }).first('id', 'name', 'is_admin');
async function tokenFor(email: string, name = 'script'): Promise<string> {
  const s = await staffRow(email);
  return (
    await createApiToken(
      t.services,
      { id: Number(s.id), name: String(s.name), isAdmin: Boolean(s.is_admin), roleCapabilities: null } as never,
      { name, expires: '90' },
      '127.0.0.1',
    )
  ).token;
}
const me = (token: string) => request(t.app).get('/api/v1/me').set('Authorization', `Bearer ${token}`);
const tokensOf = async (email: string) =>
  Number(
    (
      await t
        .db('api_tokens')
        .where({ staff_id: (await staffRow(email)).id })
        .count({ n: '*' })
        .first()
    )?.n,
  );

async function changeOwnPassword(agent: request.Agent, from: string, to: string, revoke: boolean) {
  const page = await agent.get('/admin/profile').expect(200);
  expect(page.text).toMatch(/name="revoke_tokens" value="yes"[^>]* checked/);
  const form = {
    _csrf: csrfFrom(page.text),
    current_password: from,
    new_password: to,
    confirm_password: to,
    ...(revoke ? { revoke_tokens: 'yes' } : {}),
  };
  return agent.post('/admin/profile/password').type('form').send(form);
}

test('changing the password revokes the API tokens when the box stays ticked, and keeps them when it is cleared', async () => {
  const sam = await signedInAgent(t, staffCredentials);
  const kept = await tokenFor(staffCredentials.email);
  const interim = 'an interim passphrase for sam 31';
  const res = await changeOwnPassword(sam, staffCredentials.password, interim, false);
  expect(res.status).toBe(303);
  expect(res.headers.location).toBe('/admin/profile?done=password');
  await me(kept).expect(200);

  const again = await changeOwnPassword(sam, interim, staffCredentials.password, true);
  expect(again.headers.location).toBe('/admin/profile?done=passwordTokens');
  expect((await me(kept).expect(401)).body.error.code).toBe('invalid_token');
  expect(await tokensOf(staffCredentials.email)).toBe(0);
  const audit = await t
    .db('audit_log')
    .where({ action: 'staff.password_changed' })
    .orderBy('id', 'desc')
    .first('details');
  expect(JSON.parse(String(audit.details))).toEqual({ tokensRevoked: 1 });
  expect((await sam.get('/admin/profile?done=passwordTokens').expect(200)).text).toContain('your API tokens revoked');
});

test('a refused password form keeps the choice of the box, and a value other than "yes" is refused', async () => {
  const sam = await signedInAgent(t, staffCredentials);
  const page = await sam.get('/admin/profile').expect(200);
  const wrong = await sam
    .post('/admin/profile/password')
    .type('form')
    .send({ _csrf: csrfFrom(page.text), current_password: 'not it at all', new_password: 'x', confirm_password: 'x' });
  expect(wrong.status).toBe(400);
  expect(wrong.text).not.toMatch(/name="revoke_tokens" value="yes"[^>]* checked/);
  const odd = await sam
    .post('/admin/profile/password')
    .type('form')
    .send({
      _csrf: csrfFrom(page.text),
      current_password: staffCredentials.password,
      new_password: 'y',
      confirm_password: 'y',
      revoke_tokens: '<script>',
    });
  expect(odd.status).toBe(400);
});

test('deactivating a colleague revokes their API tokens: reactivating does not bring them back', async () => {
  const token = await tokenFor(staffCredentials.email);
  await me(token).expect(200);
  const admin = await adminAgent(t);
  const id = (await staffRow(staffCredentials.email)).id;
  // The token first: a request takes the agent's cookies when it is created.
  const csrf = await tokenOf(admin, `/admin/staff/${id}`);
  await admin.post(`/admin/staff/${id}/deactivate`).type('form').send({ _csrf: csrf }).expect(303);
  expect(await tokensOf(staffCredentials.email)).toBe(0);
  await admin.post(`/admin/staff/${id}/reactivate`).type('form').send({ _csrf: csrf }).expect(303);
  await me(token).expect(401);
});

test('when two-factor sign-in is required, tokens of staff without it are refused until they set it up', async () => {
  const token = await tokenFor(adminCredentials.email, 'admin script');
  await t.services.settings.save({ 'security.requireTwoFactor': true });
  try {
    const refused = await me(token).expect(403);
    expect(refused.body.error.code).toBe('two_factor_required');
    await request(t.app).get('/api/v1/tickets').set('Authorization', `Bearer ${token}`).expect(403);
    // Set up (as the profile page stores it): the token works again.
    const adminId = (await staffRow(adminCredentials.email)).id;
    await t.db('staff_two_factor').insert({
      staff_id: adminId,
      secret_encrypted: 'x',
      enabled_at: t.clock.now(),
      created_at: t.clock.now(),
      updated_at: t.clock.now(),
    });
    await me(token).expect(200);
  } finally {
    await t.services.settings.save({ 'security.requireTwoFactor': false });
    await t.db('staff_two_factor').del();
  }
  await me(token).expect(200);
});

test('after the failure limit, wrong tokens from that address get 429 while a valid token still works', async () => {
  const valid = await tokenFor(adminCredentials.email, 'nightly');
  const wrong = `tsr_${'A'.repeat(43)}`;
  for (let i = 0; i < tokenFailureLimit.max; i++) await me(wrong).expect(401);
  for (let i = 0; i < 3; i++) {
    const blocked = await me(wrong).expect(429);
    expect(blocked.headers['retry-after']).toBeDefined();
  }
  await me(valid).expect(200);
});
