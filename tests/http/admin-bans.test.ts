import request from 'supertest';
import {
  adminCredentials,
  csrfFrom,
  signIn,
  staffCredentials,
  useInstalledApp,
  type InstalledApp,
} from '../helpers/installed-app';
import { submitForm, validTicket } from '../helpers/portal';

let t: InstalledApp;
useInstalledApp((app) => (t = app), { freshRateLimits: true });

async function admin() {
  const agent = request.agent(t.app);
  expect((await signIn(agent, adminCredentials)).status).toBe(303);
  return { agent, token: csrfFrom((await agent.get('/admin/bans').expect(200)).text) };
}

test('an admin bans an address, a domain and an IPv6 range; the ban refuses tickets until it is removed', async () => {
  const { agent, token } = await admin();
  await agent
    .post('/admin/bans')
    .type('form')
    .send({ _csrf: token, kind: 'email', value: ' Spammer@Example.org ', reason: 'Sends <b>junk</b>' })
    .expect(303);
  await agent
    .post('/admin/bans')
    .type('form')
    .send({ _csrf: token, kind: 'domain', value: '@junk.example' })
    .expect(303);
  await agent
    .post('/admin/bans')
    .type('form')
    .send({ _csrf: token, kind: 'ip', value: '2001:db8:abcd::/48' })
    .expect(303);
  expect(await t.db('bans').orderBy('id').pluck('value')).toEqual([
    'spammer@example.org',
    'junk.example',
    '2001:db8:abcd::/48',
  ]);

  const page = (await agent.get('/admin/bans').expect(200)).text;
  expect(page).toContain('Sends &lt;b&gt;junk&lt;/b&gt;');
  expect(page).not.toContain('<b>junk</b>');
  const audit = await t
    .db('audit_log')
    .where({ action: 'ban.added' })
    .orderBy('id')
    .select('target_id', 'staff_name', 'ip');
  expect(audit.map((a: { target_id: string }) => a.target_id)).toEqual([
    'email:spammer@example.org',
    'domain:junk.example',
    'ip:2001:db8:abcd::/48',
  ]);
  expect(audit[0].staff_name).toBe(adminCredentials.name);
  const log = (await agent.get('/admin/audit').expect(200)).text;
  expect(log).toContain('Ban added');
  expect(log).not.toContain('>ban.added<');

  const refused = await submitForm(t, request.agent(t.app), { ...validTicket, email: 'spammer@example.org' });
  expect(refused.status).toBe(403);
  expect((await submitForm(t, request.agent(t.app), { ...validTicket, email: 'x@mail.junk.example' })).status).toBe(
    403,
  );

  const ban = await t.db('bans').where({ kind: 'email' }).first('id');
  await agent.post(`/admin/bans/${ban.id}/delete`).type('form').send({ _csrf: token }).expect(303);
  expect((await submitForm(t, request.agent(t.app), { ...validTicket, email: 'spammer@example.org' })).status).toBe(
    303,
  );
  expect(await t.db('audit_log').where({ action: 'ban.removed' }).count<{ n: number }[]>({ n: '*' })).toEqual([
    { n: 1 },
  ]);
});

test('bad bans are refused beside the field, and nothing changes without the form token or the capability', async () => {
  const { agent, token } = await admin();
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ kind: 'email', value: 'not an address' }, 'Enter an e-mail address like name@example.com'],
    [{ kind: 'domain', value: 'nodot' }, 'Enter a domain like example.com'],
    [{ kind: 'ip', value: '10.0.0.0/4' }, 'no wider than /8'],
    [{ kind: 'ip', value: '999.1.1.1' }, 'Enter an IPv4 or IPv6 address'],
    [{ kind: 'ip', value: '' }, 'Enter an address, domain or range'],
    [{ kind: 'nuke', value: 'x@example.com' }, 'Choose what to ban'],
    [{ kind: 'email', value: `${'a'.repeat(200)}@example.com` }, 'Use 191 characters or fewer'],
  ];
  for (const [body, message] of cases) {
    const res = await agent
      .post('/admin/bans')
      .type('form')
      .send({ _csrf: token, ...body });
    expect([body, res.status]).toEqual([body, 400]);
    expect(res.text).toContain(message);
    expect(res.text).toContain('href="#');
  }
  const arrays = await agent
    .post('/admin/bans')
    .type('form')
    .send(`_csrf=${encodeURIComponent(token)}&kind=email&value=a@example.com&value=b@example.com`);
  expect(arrays.status).toBe(400);
  await agent
    .post('/admin/bans')
    .type('form')
    .send({ _csrf: token, kind: 'email', value: 'dup@example.com' })
    .expect(303);
  expect(
    (await agent.post('/admin/bans').type('form').send({ _csrf: token, kind: 'email', value: 'DUP@example.com' })).text,
  ).toContain('This is banned already');
  await agent.post('/admin/bans').type('form').send({ kind: 'email', value: 'nocsrf@example.com' }).expect(403);
  await agent.post('/admin/bans/999999/delete').type('form').send({ _csrf: token }).expect(404);
  await agent.post('/admin/bans/abc/delete').type('form').send({ _csrf: token }).expect(404);
  // Past the id column's range (PostgreSQL refuses the query): still not found, not a crash.
  await agent.post('/admin/bans/99999999999/delete').type('form').send({ _csrf: token }).expect(404);

  const sam = request.agent(t.app);
  await signIn(sam, staffCredentials);
  await sam.get('/admin/bans').expect(403);
  const samToken = csrfFrom((await sam.get('/admin').expect(200)).text);
  await sam
    .post('/admin/bans')
    .type('form')
    .send({ _csrf: samToken, kind: 'email', value: 'sam@example.org' })
    .expect(403);
  expect(await t.db('bans').where({ value: 'sam@example.org' }).first()).toBeUndefined();
  expect((await sam.get('/admin/manage').expect(200)).text).not.toContain('/admin/bans');
});
