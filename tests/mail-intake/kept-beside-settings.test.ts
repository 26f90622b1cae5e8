import request from 'supertest';
import { importRawMail } from '../../src/mail-intake/intake.service';
import { insertMailbox } from '../../src/mailboxes/mailboxes.repo';
import type { Services } from '../../src/web/app-services';
import {
  adminCredentials,
  csrfFrom,
  secondInstance,
  signIn,
  useInstalledApp,
  type InstalledApp,
} from '../helpers/installed-app';
import { importMail, simpleMail } from '../helpers/mail-intake';
import { mailboxValues } from '../helpers/mailbox-fixtures';

/**
 * Bans, the mailboxes' addresses and the admin's mail wordings are kept in each process beside
 * the settings (SettingsService.beside): two instances on one database, as behind a load balancer.
 */
let t: InstalledApp;
let second: Services;
useInstalledApp(
  (app) => {
    t = app;
    second = secondInstance(t);
  },
  { freshRateLimits: true },
);

const onSecond = (from: string) =>
  importRawMail(second, simpleMail({ from, body: `from ${from}` }), { source: 'pipe', mailboxId: null });

async function signedInAdmin(path: string) {
  const agent = request.agent(t.app);
  expect((await signIn(agent, adminCredentials)).status).toBe(303);
  return { agent, token: csrfFrom((await agent.get(path).expect(200)).text) };
}

test('a ban saved on one instance refuses mail there at once and on the other at its next check', async () => {
  expect((await onSecond('early@spam.example')).outcome).toBe('created'); // the second instance's bans are cached
  expect((await importMail(t, simpleMail({ from: 'first@spam.example' }))).outcome).toBe('created');
  const { agent, token } = await signedInAdmin('/admin/bans');
  await agent
    .post('/admin/bans')
    .type('form')
    .send({ _csrf: token, kind: 'domain', value: 'spam.example' })
    .expect(303);

  expect(await importMail(t, simpleMail({ from: 'second@spam.example' }))).toMatchObject({
    outcome: 'refused',
    reason: 'banned',
  });
  expect((await onSecond('third@spam.example')).outcome).toBe('created'); // still trusts its cache this second
  t.clock.advance(1100);
  expect(await onSecond('fourth@spam.example')).toMatchObject({ outcome: 'refused', reason: 'banned' });

  const ban = await t.db('bans').where({ value: 'spam.example' }).first<{ id: number }>('id');
  await agent.post(`/admin/bans/${ban!.id}/delete`).type('form').send({ _csrf: token }).expect(303);
  expect((await importMail(t, simpleMail({ from: 'fifth@spam.example' }))).outcome).toBe('created');
  t.clock.advance(1100);
  expect((await onSecond('sixth@spam.example')).outcome).toBe('created');
});

test('a mailbox added by another process makes its address our own at the next check', async () => {
  expect((await onSecond('desk@example.net')).outcome).toBe('created');
  await insertMailbox(t.db, mailboxValues({ username: 'desk', address: 'Desk@Example.net' }), null, t.clock.now());
  expect((await onSecond('desk@example.net')).outcome).toBe('created'); // cached this second
  t.clock.advance(1100);
  expect(await onSecond('desk@example.net')).toMatchObject({ outcome: 'refused', reason: 'own_address' });
  await t.db('mailboxes').del();
});

test("an admin's wording saved on one instance is used by the other's acknowledgements after its next check", async () => {
  const editor = '/admin/templates/ticket_received/en';
  const acknowledgement = async (from: string) => {
    const { ticketId } = await onSecond(from);
    return (await t.db('mail_outbox').where({ ticket_id: ticketId, template: 'ticket_received' }).first('subject'))!
      .subject as string;
  };
  expect(await acknowledgement('ann@example.org')).toMatch(/We have received your request/);
  const { agent, token } = await signedInAdmin(editor);
  const saved = { _csrf: token, subject: 'Got it: {{subject}}', body: 'Dear {{customer_name}}, {{tracking_id}}.' };
  await agent.post(editor).type('form').send(saved).expect(303);
  expect(await acknowledgement('bob@example.org')).toMatch(/We have received your request/);
  t.clock.advance(1100);
  expect(await acknowledgement('cid@example.org')).toMatch(/Got it: /);
  await agent.post(`${editor}/reset`).type('form').send({ _csrf: token }).expect(303);
  t.clock.advance(1100);
  expect(await acknowledgement('dee@example.org')).toMatch(/We have received your request/);
});
