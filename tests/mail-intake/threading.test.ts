import { adminCredentials, signedInAgent, useInstalledApp, type InstalledApp } from '../helpers/installed-app';
import { fixtureMail, importMail, outbox, simpleMail } from '../helpers/mail-intake';
import { mergeTickets } from '../../src/tickets/staff-actions.service';
import { findTicketById } from '../../src/tickets/tickets.repo';
import { formatTrackingId } from '../../src/tickets/tracking-id';

let t: InstalledApp;
useInstalledApp((app) => (t = app), { freshRateLimits: true });
beforeEach(async () => {
  await t.db('mail_outbox').del();
});

const admin = { id: 1, name: 'Ada Admin', isAdmin: true, capabilities: [] };

async function openedBy(from: string, subject = 'Printer does not print') {
  const result = await importMail(t, simpleMail({ from, subject }));
  const ticket = (await findTicketById(t.db, result.ticketId!))!;
  const ack = (await outbox(t)).find(
    (m) => m.template === 'ticket_received' && m.ticket_id !== null && Number(m.ticket_id) === ticket.id,
  )!;
  return { ticket, ackId: ack.email_message_id, tracking: formatTrackingId(ticket.trackingId) };
}

test('a reply keeps only what the customer wrote above the quote and signature; the Message-ID is kept', async () => {
  const { ticket, ackId, tracking } = await openedBy('alice@example.org');
  await t.db('tickets').where({ id: ticket.id }).update({ owner_id: admin.id });
  const result = await importMail(
    t,
    fixtureMail('reply-quoted.eml', { TRACKING: tracking.replace(/-/g, ''), IN_REPLY_TO: ackId }),
  );
  expect(result).toMatchObject({ outcome: 'replied', ticketId: ticket.id });
  const last = await t
    .db('messages')
    .where({ ticket_id: ticket.id })
    .orderBy('id', 'desc')
    .first('body', 'email_message_id');
  expect(last).toEqual({
    body: 'It works again after the restart, thank you!',
    email_message_id: '<reply-12@mail.example.org>',
  });
  // The owner is told of the customer's reply as of a web reply.
  expect((await outbox(t)).filter((m) => m.template === 'staff_customer_replied').map((m) => m.to_address)).toEqual([
    'ada@example.com',
  ]);
});

test("a forged In-Reply-To and subject naming another customer's ticket open a new ticket, and its history says why", async () => {
  const { ticket, ackId, tracking } = await openedBy('victim@example.org');
  const result = await importMail(t, fixtureMail('forged-reply.eml', { TRACKING: tracking, IN_REPLY_TO: ackId }));
  expect(result).toMatchObject({ outcome: 'created', reason: 'forged_reference' });
  expect(result.ticketId).not.toBe(ticket.id);
  expect(Number((await t.db('messages').where({ ticket_id: ticket.id }).count({ n: '*' }))[0]!.n)).toBe(1);
  const fresh = (await findTicketById(t.db, result.ticketId!))!;
  expect(fresh.customerEmail).toBe('mallory@example.net');
  const event = await t.db('ticket_events').where({ ticket_id: fresh.id, type: 'mail.forged_reference' }).first('data');
  expect(JSON.parse(event.data)).toEqual({ other: ticket.trackingId, via: 'header' });
  expect(await t.db('inbound_mails').where({ id: result.inboundId }).first('status', 'reason')).toEqual({
    status: 'imported',
    reason: 'forged_reference',
  });
  const agent = await signedInAgent(t, adminCredentials);
  const page = await agent.get(`/admin/tickets/${fresh.id}`).expect(200);
  expect(page.text).toContain('E-mail that named another customer&#39;s ticket');
  expect(page.text).toContain(tracking);
  // The forger is acknowledged on their own new ticket; the victim hears nothing.
  expect(
    (await outbox(t)).filter((m) => m.to_address === 'victim@example.org' && m.template === 'ticket_received').length,
  ).toBe(1);
});

test('the subject alone from another address does not join a ticket either', async () => {
  const { ticket, tracking } = await openedBy('owner@example.org');
  const result = await importMail(t, simpleMail({ from: 'stranger@example.org', subject: `Re: [#${tracking}] hello` }));
  expect(result.outcome).toBe('created');
  expect(result.ticketId).not.toBe(ticket.id);
});

test('a reply to a merged ticket goes to the ticket it was merged into', async () => {
  const source = await openedBy('merge@example.org', 'First');
  const target = await openedBy('merge@example.org', 'Second');
  await mergeTickets(t.services, source.ticket, target.ticket, admin);
  const byHeader = await importMail(
    t,
    simpleMail({ from: 'merge@example.org', subject: 'Re: First', headers: [`In-Reply-To: ${source.ackId}`] }),
  );
  expect(byHeader).toMatchObject({ outcome: 'replied', ticketId: target.ticket.id });
  const bySubject = await importMail(
    t,
    simpleMail({ from: 'merge@example.org', subject: `Re: [#${source.tracking}] First` }),
  );
  expect(bySubject).toMatchObject({ outcome: 'replied', ticketId: target.ticket.id });
});

test('a reply reopens a resolved ticket, as a web reply does', async () => {
  const { ticket, ackId } = await openedBy('reopen@example.org');
  const resolved = (await t.db('statuses').where({ key: 'resolved' }).first('id')).id;
  await t.db('tickets').where({ id: ticket.id }).update({ status_id: resolved });
  await importMail(t, simpleMail({ from: 'reopen@example.org', headers: [`References: <unknown@x> ${ackId}`] }));
  expect((await findTicketById(t.db, ticket.id))!.statusKey).toBe('open');
});

test("the acknowledgement of a mailed ticket answers the customer's own mail (its Message-ID is stored with the message)", async () => {
  const result = await importMail(
    t,
    simpleMail({ from: 'thread@example.org', subject: 'Screen flickers', messageId: '<first-1@mail.example.org>' }),
  );
  const first = await t.db('messages').where({ ticket_id: result.ticketId }).first('email_message_id');
  expect(first).toEqual({ email_message_id: '<first-1@mail.example.org>' });
  const ack = await t
    .db('mail_outbox')
    .where({ template: 'ticket_received', ticket_id: result.ticketId })
    .first('headers');
  expect(JSON.parse(String(ack.headers))).toMatchObject({
    inReplyTo: '<first-1@mail.example.org>',
    references: ['<first-1@mail.example.org>'],
  });
});
