import request from 'supertest';
import { csrfFrom, signIn, staffCredentials, useInstalledApp, type InstalledApp } from '../helpers/installed-app';

let t: InstalledApp;
useInstalledApp((app) => (t = app), { freshRateLimits: true });

const sam = () => t.db('staff_users').where({ email: staffCredentials.email }).first('id', 'reply_key_version');

test('"Revoke my reply addresses" is offered only while staff answer by e-mail, needs the CSRF token, raises only the own key version and is audited', async () => {
  const agent = request.agent(t.app);
  expect((await signIn(agent, staffCredentials)).status).toBe(303);
  await t.services.settings.save({ 'mail.staffReplies': false });
  const off = await agent.get('/admin/profile').expect(200);
  expect(off.text).not.toContain('action="/admin/profile/reply-addresses"');
  await t.services.settings.save({ 'mail.staffReplies': true });
  const page = await agent.get('/admin/profile').expect(200);
  expect(page.text).toContain('action="/admin/profile/reply-addresses"');
  const token = csrfFrom(page.text);
  const before = await sam();
  const adminBefore = Number((await t.db('staff_users').where({ id: 1 }).first('reply_key_version')).reply_key_version);

  await agent.post('/admin/profile/reply-addresses').type('form').send({}).expect(403);
  // Someone else's id in the form changes nothing about them: the signed-in person is the one revoked.
  const done = await agent
    .post('/admin/profile/reply-addresses')
    .type('form')
    .send({ _csrf: token, staff_id: '1', id: ['1', '2'] })
    .expect(303);
  expect(done.headers.location).toBe('/admin/profile?done=replyAddresses#reply-addresses');
  expect(Number((await sam()).reply_key_version)).toBe(Number(before.reply_key_version) + 1);
  expect(Number((await t.db('staff_users').where({ id: 1 }).first('reply_key_version')).reply_key_version)).toBe(
    adminBefore,
  );
  const audit = await t
    .db('audit_log')
    .where({ action: 'staff.reply_addresses_revoked' })
    .orderBy('id', 'desc')
    .first('staff_id', 'target_id');
  expect({ staffId: Number(audit.staff_id), target: audit.target_id }).toEqual({
    staffId: Number(before.id),
    target: String(before.id),
  });
  expect((await agent.get(done.headers.location!).expect(200)).text).toContain(
    'Your reply addresses have been revoked.',
  );
  await request(t.app)
    .post('/admin/profile/reply-addresses')
    .type('form')
    .send({ _csrf: token })
    .expect((res) => expect([302, 303, 403]).toContain(res.status));
  expect(Number((await sam()).reply_key_version)).toBe(Number(before.reply_key_version) + 1);
});
