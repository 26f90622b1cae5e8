import request from 'supertest';
import { endStaffSessions } from '../../src/staff/staff.repo';
import { totpCodeAt } from '../../src/staff/totp';
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

const samId = async () => Number((await t.db('staff_users').where({ email: staffCredentials.email }).first('id')).id);
const code = (secret: string, offsetMs = 0) => totpCodeAt(secret, t.clock.now() + offsetMs);

/** Signs in with the password and sets up two-factor sign-in; returns the secret and recovery codes. */
async function enrol(agent: request.Agent, creds: { email: string; password: string }) {
  expect((await signIn(agent, creds)).status).toBe(303);
  const page = await agent.get('/admin/profile/two-factor').expect(200);
  expect(page.headers['cache-control']).toBe('no-store');
  const secret = /data-secret="([A-Z2-7]+)"/.exec(page.text)![1]!;
  expect(page.text).toContain('src="data:image/svg+xml;base64,');
  const token = csrfFrom(page.text);
  const wrong = await agent
    .post('/admin/profile/two-factor/enable')
    .type('form')
    .send({ _csrf: token, code: code(secret) === '000000' ? '111111' : '000000' });
  expect(wrong.status).toBe(400);
  expect(wrong.text).toContain('The code is not correct');
  // Reloading keeps the same secret until it is confirmed.
  expect((await agent.get('/admin/profile/two-factor')).text).toContain(`data-secret="${secret}"`);
  const done = await agent
    .post('/admin/profile/two-factor/enable')
    .type('form')
    .send({ _csrf: token, code: code(secret) })
    .expect(200);
  const codes = [...done.text.matchAll(/<li>([a-z0-9]{5}-[a-z0-9]{5})<\/li>/g)].map((m) => m[1]!);
  expect(codes).toHaveLength(10);
  return { secret, codes };
}

/** Password step of a sign-in; returns the agent half-way (at the code page). */
async function passwordStep(creds: { email: string; password: string }) {
  const agent = request.agent(t.app);
  const res = await signIn(agent, creds);
  expect(res.status).toBe(303);
  expect(res.headers.location).toBe('/admin/login/code');
  const page = await agent.get('/admin/login/code').expect(200);
  return { agent, token: csrfFrom(page.text) };
}

test('enrolment, sign-in with a code, wrong, expired and replayed codes, recovery codes once each', async () => {
  const { secret, codes } = await enrol(request.agent(t.app), staffCredentials);
  const stored = await t
    .db('staff_two_factor')
    .where({ staff_id: await samId() })
    .first();
  expect(stored.enabled_at).not.toBeNull();
  expect(stored.secret_encrypted).not.toContain(secret);
  const hashes = await t
    .db('staff_recovery_codes')
    .where({ staff_id: await samId() })
    .pluck('code_hash');
  expect(hashes).toHaveLength(10);
  expect(hashes.join()).not.toContain(codes[0]!.replace('-', ''));

  // The code that switched it on (this time step) is used up; a minute later, the previous step's code is fine.
  t.clock.advance(60_000);
  const { agent, token } = await passwordStep(staffCredentials);
  // Not signed in until the code is right.
  expect((await agent.get('/admin/tickets')).headers.location).toContain('/admin/login');
  expect((await agent.post('/admin/login/code').type('form').send({ _csrf: token, code: '' })).status).toBe(400);
  expect(
    (
      await agent
        .post('/admin/login/code')
        .type('form')
        .send(`_csrf=${encodeURIComponent(token)}&code=1&code=2`)
    ).status,
  ).toBe(400);
  const expired = await agent
    .post('/admin/login/code')
    .type('form')
    .send({ _csrf: token, code: code(secret, -90_000) });
  expect(expired.status).toBe(400);
  expect(expired.text).toContain('href="#code"');
  const fine = await agent
    .post('/admin/login/code')
    .type('form')
    .send({ _csrf: token, code: code(secret, -30_000) });
  expect(fine.status).toBe(303);
  expect(fine.headers.location).toBe('/admin');
  await agent.get('/admin/tickets').expect(200);

  // The same code (same time step) never works twice, nor an older one.
  const again = await passwordStep(staffCredentials);
  expect(
    (
      await again.agent
        .post('/admin/login/code')
        .type('form')
        .send({ _csrf: again.token, code: code(secret, -30_000) })
    ).status,
  ).toBe(400);
  expect(
    (
      await again.agent
        .post('/admin/login/code')
        .type('form')
        .send({ _csrf: again.token, code: code(secret, -60_000) })
    ).status,
  ).toBe(400);
  expect(
    (
      await again.agent
        .post('/admin/login/code')
        .type('form')
        .send({ _csrf: again.token, code: code(secret) })
    ).status,
  ).toBe(303);

  // A recovery code works once, in any spelling.
  const rescue = await passwordStep(staffCredentials);
  expect(
    (
      await rescue.agent
        .post('/admin/login/code')
        .type('form')
        .send({ _csrf: rescue.token, code: ` ${codes[3]!.toUpperCase()} ` })
    ).status,
  ).toBe(303);
  const reuse = await passwordStep(staffCredentials);
  expect(
    (await reuse.agent.post('/admin/login/code').type('form').send({ _csrf: reuse.token, code: codes[3]! })).status,
  ).toBe(400);
  const profile = await rescue.agent.get('/admin/profile').expect(200);
  expect(profile.text).toContain('Recovery codes left: 9.');

  // New recovery codes replace the old ones, used or not.
  const manage = await rescue.agent.get('/admin/profile/two-factor').expect(200);
  const renewed = await rescue.agent
    .post('/admin/profile/two-factor/recovery-codes')
    .type('form')
    .send({ _csrf: csrfFrom(manage.text) })
    .expect(200);
  const fresh = [...renewed.text.matchAll(/<li>([a-z0-9]{5}-[a-z0-9]{5})<\/li>/g)].map((m) => m[1]!);
  expect(fresh).toHaveLength(10);
  expect(fresh).not.toContain(codes[0]);
  const old = await passwordStep(staffCredentials);
  expect(
    (await old.agent.post('/admin/login/code').type('form').send({ _csrf: old.token, code: codes[0]! })).status,
  ).toBe(400);
  expect(
    (await old.agent.post('/admin/login/code').type('form').send({ _csrf: old.token, code: fresh[0]! })).status,
  ).toBe(303);

  // A half-finished sign-in is over once the account's sessions are ended meanwhile (password changed or reset).
  const halfway = await passwordStep(staffCredentials);
  t.clock.advance(1000);
  await endStaffSessions(t.db, await samId(), t.clock.now());
  const after = await halfway.agent
    .post('/admin/login/code')
    .type('form')
    .send({ _csrf: halfway.token, code: fresh[1]! });
  expect([after.status, after.headers.location]).toEqual([303, '/admin/login']);
  expect((await halfway.agent.get('/admin/tickets')).headers.location).toContain('/admin/login');
});

test('the code step expires, is throttled, and cannot be skipped', async () => {
  const { agent, token } = await passwordStep(staffCredentials);
  for (let i = 0; i < 6; i++)
    expect((await agent.post('/admin/login/code').type('form').send({ _csrf: token, code: '000000' })).status).toBe(
      400,
    );
  const blocked = await agent.post('/admin/login/code').type('form').send({ _csrf: token, code: '000000' });
  expect(blocked.status).toBe(429);
  expect(blocked.headers['retry-after']).toBeDefined();
  await t.db('rate_limits').del();

  const late = await passwordStep(staffCredentials);
  t.clock.advance(6 * 60_000);
  const res = await late.agent.post('/admin/login/code').type('form').send({ _csrf: late.token, code: '123456' });
  expect(res.status).toBe(303);
  expect(res.headers.location).toBe('/admin/login');
  await request(t.app).post('/admin/login/code').type('form').send({ code: '123456' }).expect(403);
});

test('confirming access: stale proofs are asked again, with the code when two-factor is on', async () => {
  const agent = request.agent(t.app);
  const { secret } = await enrol(agent, adminCredentials);
  t.clock.advance(16 * 60_000);
  const stale = await agent.get('/admin/profile/two-factor');
  expect(stale.status).toBe(303);
  expect(stale.headers.location).toBe('/admin/confirm-access?next=%2Fadmin%2Fprofile%2Ftwo-factor');
  const page = await agent.get(stale.headers.location!).expect(200);
  expect(page.text).toContain('id="code"');
  const token = csrfFrom(page.text);
  const staleToken = token;
  // A stale POST is not carried out either: it leads to the confirmation first.
  const post = await agent.post('/admin/profile/two-factor/recovery-codes').type('form').send({ _csrf: staleToken });
  expect(post.status).toBe(303);
  expect(post.headers.location).toContain('/admin/confirm-access?next=');

  const wrong = await agent
    .post('/admin/confirm-access')
    .type('form')
    .send({ _csrf: token, next: '/admin/profile/two-factor', password: 'wrong password here', code: code(secret) });
  expect(wrong.status).toBe(400);
  expect(wrong.text).toContain('The password is not correct.');
  const noCode = await agent
    .post('/admin/confirm-access')
    .type('form')
    .send({ _csrf: token, next: '/admin/profile/two-factor', password: adminCredentials.password });
  expect(noCode.status).toBe(400);
  expect(noCode.text).toContain('href="#code"');
  const offsite = await agent
    .post('/admin/confirm-access')
    .type('form')
    .send({ _csrf: token, next: '//evil.example/x', password: adminCredentials.password, code: code(secret) });
  expect(offsite.status).toBe(303);
  expect(offsite.headers.location).toBe('/admin/profile');
  await agent.get('/admin/profile/two-factor').expect(200);

  // Turning it off needs the password and a fresh code.
  t.clock.advance(30_000);
  const manage = csrfFrom((await agent.get('/admin/profile/two-factor').expect(200)).text);
  const badOff = await agent
    .post('/admin/profile/two-factor/disable')
    .type('form')
    .send({ _csrf: manage, password: adminCredentials.password, code: '' });
  expect(badOff.status).toBe(400);
  await agent
    .post('/admin/profile/two-factor/disable')
    .type('form')
    .send({ _csrf: manage, password: adminCredentials.password, code: code(secret) })
    .expect(303);
  // The account is told (ASVS 2.5.5): a notice is queued to its address.
  expect(
    await t
      .db('mail_outbox')
      .where({ template: 'staff_security_notice', to_address: adminCredentials.email })
      .first('id'),
  ).toBeDefined();
  expect(Number((await t.db('staff_two_factor').count({ n: '*' }).first())?.n)).toBe(1);
  expect((await signIn(request.agent(t.app), adminCredentials)).headers.location).toBe('/admin');
  expect(
    await t
      .db('audit_log')
      .whereIn('action', ['staff.two_factor_enabled', 'staff.two_factor_disabled'])
      .pluck('action'),
  ).toEqual(expect.arrayContaining(['staff.two_factor_enabled', 'staff.two_factor_disabled']));
});

test('admins can require two-factor sign-in: staff without it set it up before anything else', async () => {
  await t.services.settings.save({ 'security.requireTwoFactor': true });
  try {
    const admin = request.agent(t.app);
    expect((await signIn(admin, adminCredentials)).status).toBe(303);
    const sent = await admin.get('/admin/tickets');
    expect(sent.status).toBe(303);
    expect(sent.headers.location).toBe('/admin/profile/two-factor');
    // Routes match whatever the letter case; the requirement must too.
    for (const path of ['/ADMIN/tickets', '/Admin/api-tokens']) {
      const other = await admin.get(path);
      expect([other.status, other.headers.location]).toEqual([303, '/admin/profile/two-factor']);
    }
    const page = await admin.get('/admin/profile/two-factor').expect(200);
    expect(page.text).toContain('Your administrators require two-factor sign-in.');
    const secret = /data-secret="([A-Z2-7]+)"/.exec(page.text)![1]!;
    await admin
      .post('/admin/profile/two-factor/enable')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), code: code(secret) })
      .expect(200);
    await admin.get('/admin/tickets').expect(200);
    // It cannot be switched off while required.
    const manage = await admin.get('/admin/profile/two-factor').expect(200);
    expect(manage.text).not.toContain('/admin/profile/two-factor/disable');
    t.clock.advance(30_000);
    const refused = await admin
      .post('/admin/profile/two-factor/disable')
      .type('form')
      .send({ _csrf: csrfFrom(manage.text), password: adminCredentials.password, code: code(secret) });
    expect(refused.status).toBe(400);
  } finally {
    await t.services.settings.save({ 'security.requireTwoFactor': false });
    await t.db('staff_recovery_codes').del();
    await t.db('staff_two_factor').del();
  }
});

test('staff, roles, settings and API token pages ask again for the password after 15 minutes', async () => {
  const admin = request.agent(t.app);
  expect((await signIn(admin, adminCredentials)).status).toBe(303);
  const pages = ['/admin/staff', '/admin/roles', '/admin/settings/general', '/admin/api-tokens'];
  for (const page of pages) await admin.get(page).expect(200);
  t.clock.advance(16 * 60_000);
  for (const page of pages) {
    const res = await admin.get(page);
    expect([page, res.status, res.headers.location]).toEqual([
      page,
      303,
      `/admin/confirm-access?next=${encodeURIComponent(page)}`,
    ]);
  }
  // A form sent after the proof went stale is not carried out: back to the form after confirming.
  const before = await t.db('api_tokens').count({ n: '*' }).first();
  const stalePost = await admin
    .post('/admin/api-tokens')
    .set('Referer', 'http://127.0.0.1/admin/api-tokens')
    .type('form')
    .send({ _csrf: csrfFrom((await admin.get('/admin/profile')).text), name: 'Late token', expires: '30' });
  expect(stalePost.status).toBe(303);
  expect(stalePost.headers.location).toBe('/admin/confirm-access?next=%2Fadmin%2Fapi-tokens');
  expect(await t.db('api_tokens').count({ n: '*' }).first()).toEqual(before);
  const confirm = await admin.get(stalePost.headers.location!).expect(200);
  const back = await admin
    .post('/admin/confirm-access')
    .type('form')
    .send({ _csrf: csrfFrom(confirm.text), next: '/admin/api-tokens', password: adminCredentials.password });
  expect(back.headers.location).toBe('/admin/api-tokens');
  for (const page of pages) await admin.get(page).expect(200);
});

test('an admin switches off the two-factor sign-in of someone who lost their phone; their sessions end', async () => {
  const samAgent = request.agent(t.app);
  await enrol(samAgent, staffCredentials);
  await samAgent.get('/admin/tickets').expect(200);
  const id = await samId();

  // A staff member without the capability to manage staff cannot reset anyone's.
  await samAgent.get(`/admin/staff/${id}/two-factor`).expect(403);
  await samAgent
    .post(`/admin/staff/${id}/two-factor/reset`)
    .type('form')
    .send({ _csrf: csrfFrom((await samAgent.get('/admin/profile')).text) })
    .expect(403);

  const admin = request.agent(t.app);
  expect((await signIn(admin, adminCredentials)).status).toBe(303);
  const adminPage = (await admin.get('/admin/staff/' + id).expect(200)).text;
  expect(adminPage).toContain(`href="/admin/staff/${id}/two-factor"`);
  const status = await admin.get(`/admin/staff/${id}/two-factor`).expect(200);
  expect(status.text).toContain('Unused recovery codes: 10.');
  const token = csrfFrom(status.text);
  await admin.post(`/admin/staff/${id}/two-factor/reset`).type('form').send({ _csrf: '' }).expect(403);
  const reset = await admin.post(`/admin/staff/${id}/two-factor/reset`).type('form').send({ _csrf: token }).expect(303);
  expect((await admin.get(reset.headers.location!).expect(200)).text).toContain('Two-factor sign-in was switched off');
  expect(await t.db('staff_two_factor').where({ staff_id: id }).first()).toBeUndefined();
  expect((await samAgent.get('/admin/tickets')).headers.location).toContain('/admin/login');
  expect((await signIn(request.agent(t.app), staffCredentials)).headers.location).toBe('/admin');
  await admin.post(`/admin/staff/${id}/two-factor/reset`).type('form').send({ _csrf: token }).expect(409);
  await admin.get('/admin/staff/999999/two-factor').expect(404);
  const adminId = Number((await t.db('staff_users').where({ email: adminCredentials.email }).first('id')).id);
  await admin.post(`/admin/staff/${adminId}/two-factor/reset`).type('form').send({ _csrf: token }).expect(409);
  expect(await t.db('audit_log').where({ action: 'staff.two_factor_reset' }).pluck('target_id')).toEqual([String(id)]);
});

test('a secret that can no longer be read (new signing secret) refuses codes without failing; recovery codes still work', async () => {
  const { secret, codes } = await enrol(request.agent(t.app), staffCredentials);
  await t
    .db('staff_two_factor')
    .where({ staff_id: await samId() })
    .update({ secret_encrypted: 'v1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' });
  t.clock.advance(30_000);
  const step = await passwordStep(staffCredentials);
  expect(
    (
      await step.agent
        .post('/admin/login/code')
        .type('form')
        .send({ _csrf: step.token, code: code(secret) })
    ).status,
  ).toBe(400);
  expect(
    (await step.agent.post('/admin/login/code').type('form').send({ _csrf: step.token, code: codes[0]! })).status,
  ).toBe(303);
});
