import { useInstalledApp, type InstalledApp } from '../helpers/installed-app';
import { importMail, simpleMail } from '../helpers/mail-intake';
import { addStaffReply } from '../../src/tickets/tickets.service';
import { mergeTickets } from '../../src/tickets/staff-actions.service';
import { findTicketById } from '../../src/tickets/tickets.repo';
import { formatTrackingId } from '../../src/tickets/tracking-id';
import { anonymizeCustomer } from '../../src/privacy/privacy.service';

let t: InstalledApp;
useInstalledApp((app) => (t = app), { freshRateLimits: true });
beforeEach(async () => {
  await t.db('mail_outbox').del();
  await t.services.settings.save({ 'mail.ccFollowers': true });
});

const followers = async (ticketId: number) =>
  (await t.db('ticket_followers').where({ ticket_id: ticketId }).orderBy('id').pluck('email')).map(String);
const admin = { id: 1, name: 'Ada Admin', isAdmin: true, capabilities: [] };
const subjectOf = async (ticketId: number) =>
  `Re: [#${formatTrackingId((await findTicketById(t.db, ticketId))!.trackingId)}] Order`;

test("a new ticket's Cc become followers: never our own addresses, the customer, nor twice", async () => {
  const cc = [
    'Bob <BOB@example.org>',
    'help@example.com',
    'dana@example.org',
    'carol@example.org',
    'bob@example.org',
  ].join(', ');
  const result = await importMail(
    t,
    simpleMail({ from: 'carol@example.org', subject: 'Order', headers: [`Cc: ${cc}`] }),
  );
  expect(result.outcome).toBe('created');
  expect(await followers(result.ticketId!)).toEqual(['bob@example.org', 'dana@example.org']);
});

test('with the setting off, Cc addresses stay where they are', async () => {
  await t.services.settings.save({ 'mail.ccFollowers': false });
  const result = await importMail(t, simpleMail({ from: 'erin@example.org', headers: ['Cc: frank@example.org'] }));
  expect(await followers(result.ticketId!)).toEqual([]);
});

test('a Cc of 10,000 gives at most 20 followers', async () => {
  const cc = Array.from({ length: 10_000 }, (_, i) => `cc${i}@example.com`).join(',\r\n ');
  const result = await importMail(t, simpleMail({ from: 'mass@example.org', headers: [`Cc: ${cc}`] }));
  expect(result.outcome).toBe('created');
  expect(await followers(result.ticketId!)).toEqual(Array.from({ length: 20 }, (_, i) => `cc${i}@example.com`));
});

test("a follower's mail lands on the ticket with their address; they get staff replies in a mail of their own; once removed, their mail opens a new ticket", async () => {
  const opened = await importMail(
    t,
    simpleMail({ from: 'gina@example.org', subject: 'Order', headers: ['Cc: hal@example.org'] }),
  );
  const ticketId = opened.ticketId!;
  const reply = await importMail(
    t,
    simpleMail({
      from: 'Hal <hal@example.org>',
      subject: await subjectOf(ticketId),
      body: 'I am the buyer, please ship to me.',
    }),
  );
  expect(reply).toMatchObject({ outcome: 'replied', ticketId });
  expect(
    await t.db('messages').where({ ticket_id: ticketId }).orderBy('id', 'desc').first('kind', 'author_name', 'body'),
  ).toEqual({ kind: 'customer', author_name: 'hal@example.org', body: 'I am the buyer, please ship to me.' });

  await addStaffReply(t.services, (await findTicketById(t.db, ticketId))!, {
    staff: admin,
    body: 'Shipped.',
    files: [],
  });
  const customerMail = await t
    .db('mail_outbox')
    .where({ template: 'staff_replied', ticket_id: ticketId })
    .first('to_address', 'headers');
  expect(customerMail.to_address).toBe('gina@example.org');
  expect(JSON.parse(customerMail.headers).cc).toBeUndefined();
  const followerMail = await t
    .db('mail_outbox')
    .where({ template: 'follower_staff_replied', ticket_id: ticketId })
    .first('to_address', 'headers');
  expect(followerMail.to_address).toBe('hal@example.org');

  // A follower's reply to their own mail threads to the ticket by its Message-ID.
  const fromHal = await t
    .db('mail_outbox')
    .where({ template: 'follower_staff_replied', ticket_id: ticketId })
    .first('email_message_id');
  const answer = await importMail(
    t,
    simpleMail({
      from: 'hal@example.org',
      subject: 'Re: thanks',
      headers: [`In-Reply-To: ${fromHal.email_message_id}`],
      body: 'Got it.',
    }),
  );
  expect(answer).toMatchObject({ outcome: 'replied', ticketId });

  await t.db('ticket_followers').where({ ticket_id: ticketId }).del();
  const after = await importMail(t, simpleMail({ from: 'hal@example.org', subject: await subjectOf(ticketId) }));
  expect(after.outcome).toBe('created');
  expect(after.ticketId).not.toBe(ticketId);
});

test('erasing a customer removes them as a follower elsewhere and the followers of their tickets', async () => {
  const theirs = await importMail(t, simpleMail({ from: 'ivan@example.org', headers: ['Cc: judy@example.org'] }));
  const other = await importMail(t, simpleMail({ from: 'kim@example.org', headers: ['Cc: ivan@example.org'] }));
  const customerId = (await findTicketById(t.db, theirs.ticketId!))!.customerId;
  await anonymizeCustomer(t.services, { id: 1, name: 'Ada Admin', ip: '127.0.0.1' }, customerId);
  expect(await followers(theirs.ticketId!)).toEqual([]);
  expect(await followers(other.ticketId!)).toEqual([]);
});

test('merging carries the followers to the surviving ticket, and their mail follows', async () => {
  const source = (
    await importMail(
      t,
      simpleMail({ from: 'lia@example.org', subject: 'Order', headers: ['Cc: mo@example.org, ned@example.org'] }),
    )
  ).ticketId!;
  const target = (
    await importMail(
      t,
      simpleMail({ from: 'ned@example.org', subject: 'Order again', headers: ['Cc: mo@example.org'] }),
    )
  ).ticketId!;
  await mergeTickets(t.services, (await findTicketById(t.db, source))!, (await findTicketById(t.db, target))!, admin);
  expect(await followers(source)).toEqual([]);
  // ned is the surviving ticket's customer, mo followed both already: one row each, no customer among them.
  expect(await followers(target)).toEqual(['mo@example.org']);
  expect(await importMail(t, simpleMail({ from: 'mo@example.org', subject: await subjectOf(source) }))).toMatchObject({
    outcome: 'replied',
    ticketId: target,
  });
});

test("a follower's mail never carries the customer's signed ticket link; it says how to answer", async () => {
  const opened = await importMail(
    t,
    simpleMail({ from: 'olga@example.org', subject: 'Order', headers: ['Cc: pat@example.org, quinn@example.org'] }),
  );
  const ticket = (await findTicketById(t.db, opened.ticketId!))!;
  for (const inbound of [false, true]) {
    await t.db('mail_outbox').del();
    await t.services.settings.save({ 'mail.inboundReplies': inbound });
    await addStaffReply(t.services, ticket, { staff: admin, body: `Shipped <b>today</b> ${inbound}.`, files: [] });
    const mails = await t
      .db('mail_outbox')
      .where({ ticket_id: ticket.id })
      .orderBy('id')
      .select('template', 'to_address', 'body_text', 'body_html', 'headers', 'email_message_id');
    expect(mails.map((m) => [m.template, m.to_address])).toEqual([
      ['staff_replied', 'olga@example.org'],
      ['follower_staff_replied', 'pat@example.org'],
      ['follower_staff_replied', 'quinn@example.org'],
    ]);
    const [customer, ...copies] = mails;
    // The customer's mail holds the signed link; it goes to the customer alone.
    expect(customer.body_text).toContain(`/helpdesk/tickets/${ticket.trackingId}?k=`);
    expect(JSON.parse(customer.headers).cc).toBeUndefined();
    for (const copy of copies) {
      for (const body of [copy.body_text, copy.body_html]) {
        expect(body).not.toContain('/helpdesk/tickets/');
        expect(body).not.toContain('?k=');
      }
      expect(copy.body_text).toContain(`Shipped <b>today</b> ${inbound}.`);
      expect(copy.body_html).not.toContain('<b>today</b>');
      expect(copy.body_text).toContain(
        inbound ? 'reply to this e-mail: your answer is added' : 'Replies to this e-mail do not reach it',
      );
      expect(JSON.parse(copy.headers).cc).toBeUndefined();
      expect(Boolean(JSON.parse(copy.headers).replyTo)).toBe(inbound);
      expect(copy.email_message_id).not.toBe(customer.email_message_id);
    }
  }
  await t.services.settings.save({ 'mail.inboundReplies': false });
});
