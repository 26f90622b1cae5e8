import {
  adminCredentials,
  csrfFrom,
  signedInAgent,
  staffCredentials,
  useInstalledApp,
  type InstalledApp,
} from '../helpers/installed-app';
import { importMail, simpleMail } from '../helpers/mail-intake';

let t: InstalledApp;
useInstalledApp((app) => (t = app), { freshRateLimits: true });

const followers = async (ticketId: number) =>
  (await t.db('ticket_followers').where({ ticket_id: ticketId }).orderBy('id').pluck('email')).map(String);

async function ticketFrom(from: string): Promise<number> {
  return (await importMail(t, simpleMail({ from }))).ticketId!;
}

test('staff add and remove followers on the ticket page; both are audited', async () => {
  const id = await ticketFrom('lena@example.org');
  const agent = await signedInAgent(t, adminCredentials);
  const page = await agent.get(`/admin/tickets/${id}`).expect(200);
  expect(page.text).toContain('Nobody follows this ticket.');
  await agent
    .post(`/admin/tickets/${id}/followers`)
    .type('form')
    .send({ _csrf: csrfFrom(page.text), email: '  Max@Example.ORG ' })
    .expect(303);
  expect(await followers(id)).toEqual(['max@example.org']);
  const shown = await agent.get(`/admin/tickets/${id}`).expect(200);
  expect(shown.text).toContain('max@example.org');
  const followerId = Number((await t.db('ticket_followers').where({ ticket_id: id }).first('id')).id);
  await agent
    .post(`/admin/tickets/${id}/followers/remove`)
    .type('form')
    .send({ _csrf: csrfFrom(shown.text), follower: String(followerId) })
    .expect(303);
  expect(await followers(id)).toEqual([]);
  const audit = await t
    .db('audit_log')
    .where({ target_type: 'ticket', target_id: String(id) })
    .orderBy('id')
    .pluck('action');
  expect(audit).toEqual(['ticket_follower_added', 'ticket_follower_removed']);
});

test("bad input: no CSRF token, wrong types, not an address, script, the customer, twice, too many, another ticket's follower, a ticket the person may not see", async () => {
  const id = await ticketFrom('nora@example.org');
  const agent = await signedInAgent(t, adminCredentials);
  const csrf = csrfFrom((await agent.get(`/admin/tickets/${id}`)).text);
  await agent.post(`/admin/tickets/${id}/followers`).type('form').send({ email: 'x@example.org' }).expect(403);
  const problem = async (email: unknown) => {
    const res = await agent
      .post(`/admin/tickets/${id}/followers`)
      .type('form')
      .send({ _csrf: csrf, email })
      .expect(303);
    return new URL(res.headers.location!, 'http://x').searchParams.get('followererror');
  };
  expect(await problem(['a@example.org', 'b@example.org'])).toBe('followers.errors.email');
  expect(await problem({ x: 1 })).toBe('followers.errors.email');
  expect(await problem('not an address')).toBe('followers.errors.email');
  expect(await problem(`${'a'.repeat(200)}@example.org`)).toBe('followers.errors.email');
  expect(await problem('<script>alert(1)</script>@example.org')).toBe('followers.errors.email');
  expect(await problem('NORA@example.org')).toBe('followers.errors.excluded');
  expect(await problem('help@example.com')).toBe('followers.errors.excluded');
  expect(await problem('olga@example.org')).toBeNull();
  expect(await problem('olga@example.org')).toBe('followers.errors.already');
  for (let i = 1; i < 20; i++) expect(await problem(`f${i}@example.org`)).toBeNull();
  expect(await problem('one-too-many@example.org')).toBe('followers.errors.full');
  expect(await followers(id)).toHaveLength(20);
  // The error is shown beside the field, the value kept and escaped.
  const back = await agent
    .get(`/admin/tickets/${id}?followererror=followers.errors.email&followervalue=${encodeURIComponent('<b>x</b>')}`)
    .expect(200);
  expect(back.text).toContain('Enter an e-mail address, like name@example.com.');
  expect(back.text).toContain('&lt;b&gt;x&lt;/b&gt;');
  expect(back.text).not.toContain('<b>x</b>');

  const other = await ticketFrom('oscar@example.org');
  await agent
    .post(`/admin/tickets/${other}/followers`)
    .type('form')
    .send({ _csrf: csrf, email: 'pia@example.org' })
    .expect(303);
  const foreignId = Number((await t.db('ticket_followers').where({ ticket_id: other }).first('id')).id);
  await agent
    .post(`/admin/tickets/${id}/followers/remove`)
    .type('form')
    .send({ _csrf: csrf, follower: String(foreignId) })
    .expect(404);
  await agent
    .post(`/admin/tickets/${id}/followers/remove`)
    .type('form')
    .send({ _csrf: csrf, follower: 'abc' })
    .expect(404);
  expect(await followers(other)).toEqual(['pia@example.org']);

  // Sam sees no category: the ticket is "not found" for him, whatever he sends.
  const sam = await signedInAgent(t, staffCredentials);
  const samCsrf = csrfFrom((await sam.get('/admin/profile')).text);
  await sam
    .post(`/admin/tickets/${other}/followers`)
    .type('form')
    .send({ _csrf: samCsrf, email: 'quinn@example.org' })
    .expect(404);
  await sam
    .post(`/admin/tickets/${other}/followers/remove`)
    .type('form')
    .send({ _csrf: samCsrf, follower: String(foreignId) })
    .expect(404);
  expect(await followers(other)).toEqual(['pia@example.org']);
});
