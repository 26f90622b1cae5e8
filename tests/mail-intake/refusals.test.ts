import { insertBan } from '../../src/bans/bans.repo';
import { addStaffReply } from '../../src/tickets/tickets.service';
import { findTicketById } from '../../src/tickets/tickets.repo';
import { useInstalledApp, type InstalledApp } from '../helpers/installed-app';
import { fixtureMail, importMail, outbox, simpleMail } from '../helpers/mail-intake';

let t: InstalledApp;
useInstalledApp((app) => (t = app), { freshRateLimits: true });
beforeEach(async () => {
  await t.db('mail_outbox').del();
});

const counts = async () => ({
  tickets: Number((await t.db('tickets').count({ n: '*' }))[0]!.n),
  messages: Number((await t.db('messages').count({ n: '*' }))[0]!.n),
});

async function expectRefused(raw: Buffer, reason: string) {
  const before = await counts();
  const result = await importMail(t, raw);
  expect(result).toMatchObject({ outcome: 'refused', reason, ticketId: null });
  expect(await counts()).toEqual(before);
  expect(await outbox(t)).toEqual([]);
  expect(await t.db('inbound_mails').where({ id: result.inboundId }).first('status', 'reason')).toEqual({
    status: 'refused',
    reason,
  });
  // The same mail again is a duplicate of the refusal, not a second row.
  expect((await importMail(t, raw)).outcome).toBe('duplicate');
}

test('an out-of-office reply to our acknowledgement is refused and never answered', async () => {
  const opened = await importMail(t, simpleMail({ from: 'grace@example.org' }));
  const ack = (await outbox(t)).find((m) => m.template === 'ticket_received')!;
  await t.db('mail_outbox').del();
  const tracking = (await t.db('tickets').where({ id: opened.ticketId }).first('tracking_id')).tracking_id as string;
  await expectRefused(
    fixtureMail('out-of-office.eml', { TRACKING: tracking, IN_REPLY_TO: ack.email_message_id }),
    'auto_reply',
  );
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
  t.services.settings.invalidate(); // as the ban pages do after saving
  await expectRefused(simpleMail({ from: 'someone@mail.spam.example' }), 'banned');
});

test('more than the allowed mails per sender in the window are refused; the next window accepts again', async () => {
  await t.services.settings.save({ 'intake.senderMaxMails': 3, 'intake.senderWindowMinutes': 10 });
  for (let i = 0; i < 3; i++)
    expect((await importMail(t, simpleMail({ from: 'chatty@example.org', body: `mail ${i}` }))).outcome).toBe(
      'created',
    );
  await t.db('mail_outbox').del();
  await expectRefused(simpleMail({ from: 'chatty@example.org', body: 'mail 4' }), 'flood');
  t.clock.advance(10 * 60_000 + 1);
  expect((await importMail(t, simpleMail({ from: 'chatty@example.org', body: 'mail 5' }))).outcome).toBe('created');
});

test('a sender already over the limit is refused before the expensive work (no raw mail kept); the refusal still counts', async () => {
  await t.services.settings.save({ 'intake.senderMaxMails': 2, 'intake.senderWindowMinutes': 10 });
  for (let i = 0; i < 2; i++)
    expect((await importMail(t, simpleMail({ from: 'flooder@example.org', body: `mail ${i}` }))).outcome).toBe(
      'created',
    );
  await t.db('mail_outbox').del();
  const kept = jest.spyOn(t.services.store, 'adopt');
  try {
    await expectRefused(simpleMail({ from: 'flooder@example.org', body: 'mail 3' }), 'flood');
    expect(kept).not.toHaveBeenCalled();
  } finally {
    kept.mockRestore();
  }
  expect(Number((await t.db('rate_limits').where({ bucket: 'mail-in:flooder@example.org' }).first('hits')).hits)).toBe(
    3,
  );
  expect((await importMail(t, simpleMail({ from: 'someone-else@example.org' }))).outcome).toBe('created');
});

test('a bounce marks the mail it returns as bounced with the diagnostic, and opens nothing', async () => {
  const opened = await importMail(t, simpleMail({ from: 'nobody@example.net' }));
  const ack = (await outbox(t)).find((m) => m.template === 'ticket_received')!;
  const other = (await outbox(t)).find((m) => m.template !== 'ticket_received')!;
  const tracking = (await t.db('tickets').where({ id: opened.ticketId }).first('tracking_id')).tracking_id as string;
  const before = await counts();
  const result = await importMail(
    t,
    fixtureMail('bounce.eml', { TRACKING: tracking, OUTBOUND_ID: ack.email_message_id }),
  );
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

/** The fixture's report of a failed delivery, of the given mail, naming `recipient` as the one not reached. */
let reports = 0;
const bounceOf = (tracking: string, outboundId: string, recipient: string) =>
  Buffer.from(
    fixtureMail('bounce.eml', { TRACKING: tracking, OUTBOUND_ID: outboundId })
      .toString('utf8')
      .replaceAll('nobody@example.net', recipient)
      .replace('<dsn-11@', `<dsn-recipient-${++reports}@`),
  );

test("a bounce of a follower's mail marks that mail only, never the customer's", async () => {
  await t.services.settings.save({ 'mail.ccFollowers': true });
  const opened = await importMail(t, simpleMail({ from: 'rita@example.org', headers: ['Cc: Sid <Sid@example.org>'] }));
  const ticket = (await findTicketById(t.db, opened.ticketId!))!;
  await addStaffReply(t.services, ticket, {
    staff: { id: 1, name: 'Ada Admin', isAdmin: true, capabilities: [] },
    body: 'Done.',
    files: [],
  });
  const mail = async (template: string) =>
    (await t
      .db('mail_outbox')
      .where({ ticket_id: ticket.id, template })
      .first('id', 'email_message_id', 'status', 'last_error'))!;
  const customer = await mail('staff_replied');
  const follower = await mail('follower_staff_replied');

  // The report names the follower's own mail and the follower (as the server wrote it, in any case).
  expect(await importMail(t, bounceOf(ticket.trackingId, follower.email_message_id, 'SID@example.org'))).toMatchObject({
    outcome: 'refused',
    reason: 'bounce',
  });
  expect((await mail('follower_staff_replied')).status).toBe('bounced');
  expect((await mail('staff_replied')).status).not.toBe('bounced');
  expect(customer.status).not.toBe('bounced');
  await t.services.settings.save({ 'mail.ccFollowers': false });
});

test('a report naming another recipient of a mail (a Cc of old) does not mark it; one naming its recipient does', async () => {
  const opened = await importMail(t, simpleMail({ from: 'tom@example.org' }));
  const ticket = (await findTicketById(t.db, opened.ticketId!))!;
  const ack = (await outbox(t)).find((m) => m.template === 'ticket_received')!;
  // A mail queued before followers had mails of their own went to the customer with the follower in Cc.
  await t
    .db('mail_outbox')
    .where({ email_message_id: ack.email_message_id })
    .update({ headers: JSON.stringify({ cc: ['uma@example.org'] }), status: 'sent' });
  const status = async () =>
    (await t.db('mail_outbox').where({ email_message_id: ack.email_message_id }).first('status')).status;

  await importMail(t, bounceOf(ticket.trackingId, ack.email_message_id, 'uma@example.org'));
  expect(await status()).toBe('sent');
  await importMail(t, bounceOf(ticket.trackingId, ack.email_message_id, 'tom@example.org'));
  expect(await status()).toBe('bounced');
});

test('a report without recipient fields marks by Message-ID; one whose recipient was only delayed marks nothing', async () => {
  const opened = await importMail(t, simpleMail({ from: 'vic@example.org' }));
  const ticket = (await findTicketById(t.db, opened.ticketId!))!;
  const ack = (await outbox(t)).find((m) => m.template === 'ticket_received')!;
  const status = async () =>
    (await t.db('mail_outbox').where({ email_message_id: ack.email_message_id }).first('status')).status;
  const report = bounceOf(ticket.trackingId, ack.email_message_id, 'vic@example.org').toString('utf8');

  await importMail(t, Buffer.from(report.replace('Action: failed', 'Action: delayed')));
  expect(await status()).not.toBe('bounced');
  await importMail(
    t,
    Buffer.from(report.replace(/^(Final|Original)-Recipient:.*\r?\n/gim, '').replace('<dsn-recipient-', '<dsn-none-')),
  );
  expect(await status()).toBe('bounced');
});
