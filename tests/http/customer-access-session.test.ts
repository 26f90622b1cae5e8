import request from 'supertest';
import { csrfFrom, useInstalledApp, type InstalledApp } from '../helpers/installed-app';
import { openTicket } from '../helpers/portal';

// Proving access to a ticket (tracking ID + address) is a sign-in of sorts: the session that
// holds the grant must have an id no one else could have known (issue 16 keeps this while
// sparing the regenerate of a session that was only made in the same request).
let t: InstalledApp;
useInstalledApp((app) => (t = app), { freshRateLimits: true });

const sessionCookieOf = (res: request.Response) =>
  ([] as string[])
    .concat(res.headers['set-cookie'] ?? [])
    .find((c) => c.startsWith('tessera.sid='))
    ?.split(';')[0];
/** The form's own cookies (its binding and the CSRF cookie), never a session cookie. */
const formCookiesOf = (res: request.Response) =>
  ([] as string[])
    .concat(res.headers['set-cookie'] ?? [])
    .map((c) => c.split(';')[0]!)
    .filter((c) => !c.startsWith('tessera.sid='));

async function lookUp(cookies: string[], tracking: string, email: string) {
  const form = await request(t.app).get('/helpdesk/tickets').set('Cookie', cookies).expect(200);
  const sent = [...cookies, ...formCookiesOf(form)];
  return request(t.app)
    .post('/helpdesk/tickets')
    .set('Cookie', sent)
    .type('form')
    .send({ _csrf: csrfFrom(form.text), tracking, email });
}

test('a lookup with a planted cookie of a stored session moves the grant to a new session id; the planted id gets nothing', async () => {
  // The attacker's own session, stored (it holds access to the attacker's ticket).
  const attacker = request.agent(t.app);
  await openTicket(t, attacker, { email: 'mallory@example.net' });
  const attackerCookie = sessionCookieOf(await attacker.get('/helpdesk/tickets'))!;
  expect(attackerCookie).toBeDefined();

  const victimTicket = await openTicket(t, request.agent(t.app), { email: 'victor@example.net' });
  // The victim's browser carries the planted cookie and proves access to the victim's ticket.
  const found = await lookUp([attackerCookie], victimTicket, 'victor@example.net');
  expect(found.status).toBe(303);
  const granted = sessionCookieOf(found);
  expect(granted).toBeDefined();
  expect(granted).not.toBe(attackerCookie);

  await request(t.app).get(`/helpdesk/tickets/${victimTicket}`).set('Cookie', [granted!]).expect(200);
  // The attacker's copy of the planted cookie does not open the victim's ticket.
  const withPlanted = await request(t.app).get(`/helpdesk/tickets/${victimTicket}`).set('Cookie', [attackerCookie]);
  expect(withPlanted.status).toBe(303);
  expect(withPlanted.headers.location).toMatch(/^\/helpdesk\/tickets\?t=/);
});

test("a new visitor's lookup grants access in a session of its own, whose cookie opens the ticket", async () => {
  const tracking = await openTicket(t, request.agent(t.app), { email: 'wanda@example.net' });
  const before = Number((await t.db('sessions').count({ n: '*' }).first())?.n);
  // A made-up session cookie is not adopted: the grant goes to an id drawn by the server.
  const found = await lookUp(['tessera.sid=s%3Aplanted-by-someone.bad-signature'], tracking, 'wanda@example.net');
  expect(found.status).toBe(303);
  const granted = sessionCookieOf(found);
  expect(granted).toBeDefined();
  expect(granted).not.toContain('planted-by-someone');
  expect(Number((await t.db('sessions').count({ n: '*' }).first())?.n)).toBe(before + 1);
  await request(t.app).get(`/helpdesk/tickets/${tracking}`).set('Cookie', [granted!]).expect(200);
  // The same lookup with a wrong address grants nothing and stores nothing.
  const wrong = await lookUp([], tracking, 'someone-else@example.net');
  expect(wrong.status).toBe(404);
  expect(sessionCookieOf(wrong)).toBeUndefined();
});
