import request from 'supertest';
import { adminCredentials, signIn, useInstalledApp, type InstalledApp } from '../helpers/installed-app';
import { openTicket, validTicket } from '../helpers/portal';
import { testDbKind } from '../helpers/test-db';
import { findCustomerByEmail } from '../../src/customers/customers.repo';
import { findStaffByEmail } from '../../src/staff/staff.repo';
import { banExists } from '../../src/bans/bans.repo';

// Issue 18 item 19: e-mail addresses are identities; MariaDB's collation must not fold äda@ into ada@.
let t: InstalledApp;
useInstalledApp((app) => (t = app), { freshRateLimits: true });

const accented = adminCredentials.email.replace(/^a/, 'ä'); // äda@example.com

test(`on ${testDbKind}, an accented look-alike address does not sign in as the admin; the address in capitals does`, async () => {
  const res = await signIn(request.agent(t.app), { email: accented, password: adminCredentials.password });
  expect(res.status).toBe(401);
  expect(
    (
      await signIn(request.agent(t.app), {
        email: adminCredentials.email.toUpperCase(),
        password: adminCredentials.password,
      })
    ).status,
  ).toBe(303);
});

test(`on ${testDbKind}, "forgot password" for the look-alike mails nobody`, async () => {
  const agent = request.agent(t.app);
  const csrf = /name="_csrf" value="([^"]+)"/.exec((await agent.get('/admin/forgot-password')).text)![1]!;
  const refused = await agent.post('/admin/forgot-password').type('form').send({ _csrf: csrf, email: accented });
  expect([303, 200, 400]).toContain(refused.status);
  expect(await findStaffByEmail(t.db, accented)).toBeUndefined();
  expect(await t.db('mail_outbox').where({ template: 'staff_password_reset' }).first()).toBeUndefined();
});

test(`on ${testDbKind}, a look-alike address is another customer: its own row, and no access to the first one's ticket`, async () => {
  const trackingId = await openTicket(t, request.agent(t.app));
  const lookAlike = validTicket.email.replace('a', 'á'); // cárla@example.net
  await request(t.app)
    .get(`/api/v1/tickets/${trackingId}?email=${encodeURIComponent(lookAlike)}`)
    .expect(404);
  await request(t.app)
    .get(`/api/v1/tickets/${trackingId}?email=${encodeURIComponent(validTicket.email)}`)
    .expect(200);
  expect(await findCustomerByEmail(t.db, lookAlike)).toBeUndefined();
  // Stored beside the first (the unique index compares exactly too), and each found by its own address.
  await t
    .db('customers')
    .insert({ email: lookAlike, name: 'Look Alike', language: 'en', created_at: 1, updated_at: 1 });
  expect((await findCustomerByEmail(t.db, lookAlike))?.name).toBe('Look Alike');
  expect((await findCustomerByEmail(t.db, validTicket.email))?.name).toBe(validTicket.name);
  // Banning one address is not banning the other.
  await t.db('bans').insert({ kind: 'email', value: validTicket.email, created_at: 1 });
  expect(await banExists(t.db, { kind: 'email', value: lookAlike })).toBe(false);
});
