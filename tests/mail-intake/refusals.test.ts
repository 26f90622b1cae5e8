import { insertBan } from '../../src/bans/bans.repo';
import { useInstalledApp, type InstalledApp } from '../helpers/installed-app';
import { fixtureMail, importMail, outbox, simpleMail } from '../helpers/mail-intake';

let t: InstalledApp;
useInstalledApp((app) => (t = app), { freshRateLimits: true });
beforeEach(async () => {
  await t.db('mail_outbox').del();
});

const counts = async () => ({ tickets: Number((await t.db('tickets').count({ n: '*' }))[0]!.n), messages: Number((await t.db('messages').count({ n: '*' }))[0]!.n) });

async function expectRefused(raw: Buffer, reason: string) {
  const before = await counts();
  const result = await importMail(t, raw);
  expect(result).toMatchObject({ outcome: 'refused', reason, ticketId: null });
  expect(await counts()).toEqual(before);
  expect(await outbox(t)).toEqual([]);
  expect(await t.db('inbound_mails').where({ id: result.inboundId }).first('status', 'reason')).toEqual({ status: 'refused', reason });
  // The same mail again is a duplicate of the refusal, not a second row.
  expect((await importMail(t, raw)).outcome).toBe('duplicate');
}

test('an out-of-office reply to our acknowledgement is refused and never answered', async () => {
  const opened = await importMail(t, simpleMail({ from: 'grace@example.org' }));
  const ack = (await outbox(t)).find((m) => m.template === 'ticket_received')!;
  await t.db('mail_outbox').del();
  const tracking = (await t.db('tickets').where({ id: opened.ticketId }).first('tracking_id')).tracking_id as string;
  await expectRefused(fixtureMail('out-of-office.eml', { TRACKING: tracking, IN_REPLY_TO: ack.email_message_id }), 'auto_reply');
  expect(Number((await t.db('messages').where({ ticket_id: opened.ticketId }).count({ n: '*' }))[0]!.n)).toBe(1);
});

test.each([
  ['Auto-Submitted: auto-generated', 'auto_reply'],
  ['X-Autoreply: yes', 'auto_reply'],
  ['X-Autorespond: Vacation', 'auto_reply'],
  ['X-Auto-Response-Suppress: OOF', 'auto_reply'],
  ['Precedence: bulk', 'bulk'],
  ['Precedence: junk', 'bulk'],
  ['Precedence: list', 'bulk'],
  ['List-Id: <news.example.org>', 'list'],
])('a mail with "%s" is refused (%s)', async (header, reason) => {
  await expectRefused(simpleMail({ headers: [header] }), reason);
});

test('Auto-Submitted: no is a person writing: imported', async () => {
  expect((await importMail(t, simpleMail({ headers: ['Auto-Submitted: no'] }))).outcome).toBe('created');
});

test('mail from our own addresses and from mail systems is refused', async () => {
  await t.services.settings.save({ 'mail.fromAddress': 'noreply@example.com' });
  await expectRefused(simpleMail({ from: 'Acme <HELP@example.com>' }), 'own_address');
  await expectRefused(simpleMail({ from: 'noreply@example.com' }), 'own_address');
  await expectRefused(simpleMail({ from: 'MAILER-DAEMON@mx.example.net' }), 'mailer_daemon');
  await expectRefused(simpleMail({ from: 'postmaster@example.net' }), 'mailer_daemon');
});

test('a banned address or domain is refused', async () => {
  await insertBan(t.db, { kind: 'domain', value: 'spam.example' }, t.clock.now());
  await expectRefused(simpleMail({ from: 'someone@mail.spam.example' }), 'banned');
});

test('more than the allowed mails per sender in the window are refused; the next window accepts again', async () => {
  await t.services.settings.save({ 'intake.senderMaxMails': 3, 'intake.senderWindowMinutes': 10 });
  for (let i = 0; i < 3; i++) expect((await importMail(t, simpleMail({ from: 'chatty@example.org', body: `mail ${i}` }))).outcome).toBe('created');
  await t.db('mail_outbox').del();
  await expectRefused(simpleMail({ from: 'chatty@example.org', body: 'mail 4' }), 'flood');
  t.clock.advance(10 * 60_000 + 1);
  expect((await importMail(t, simpleMail({ from: 'chatty@example.org', body: 'mail 5' }))).outcome).toBe('created');
});

test('a bounce marks the mail it returns as bounced with the diagnostic, and opens nothing', async () => {
  const opened = await importMail(t, simpleMail({ from: 'nobody@example.net' }));
  const ack = (await outbox(t)).find((m) => m.template === 'ticket_received')!;
  const other = (await outbox(t)).find((m) => m.template !== 'ticket_received')!;
  const tracking = (await t.db('tickets').where({ id: opened.ticketId }).first('tracking_id')).tracking_id as string;
  const before = await counts();
  const result = await importMail(t, fixtureMail('bounce.eml', { TRACKING: tracking, OUTBOUND_ID: ack.email_message_id }));
  expect(result).toMatchObject({ outcome: 'refused', reason: 'bounce' });
  expect(await counts()).toEqual(before);
  const rows = await outbox(t);
  const bounced = rows.find((m) => m.email_message_id === ack.email_message_id)!;
  expect(bounced.status).toBe('bounced');
  expect(bounced.last_error).toContain('550 5.1.1');
  expect(bounced.last_error).toContain('User unknown');
  expect(rows.find((m) => m.email_message_id === other.email_message_id)!.status).not.toBe('bounced');
  expect(rows.length).toBe(2);
});
