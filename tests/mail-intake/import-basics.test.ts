import { useInstalledApp, type InstalledApp } from '../helpers/installed-app';
import { fixtureMail, importMail, outbox, simpleMail } from '../helpers/mail-intake';
import { findTicketById } from '../../src/tickets/tickets.repo';
import { formatTrackingId } from '../../src/tickets/tracking-id';

let t: InstalledApp;
useInstalledApp((app) => (t = app), { freshRateLimits: true });
beforeEach(async () => {
  await t.db('mail_outbox').del();
});

test('a new mail opens a ticket by e-mail, acknowledged in the language the mail names', async () => {
  const result = await importMail(t, fixtureMail('plain.eml'));
  expect(result).toMatchObject({ outcome: 'created', reason: null });
  const ticket = (await findTicketById(t.db, result.ticketId!))!;
  expect(ticket).toMatchObject({
    subject: 'Printer does not print',
    customerEmail: 'alice@example.org',
    customerName: 'Alice Example',
    language: 'sk',
  });
  expect(await t.db('tickets').where({ id: ticket.id }).first('source')).toEqual({ source: 'email' });
  const message = await t.db('messages').where({ ticket_id: ticket.id }).first('body', 'email_message_id', 'kind');
  expect(message).toEqual({
    kind: 'customer',
    email_message_id: '<plain-1@mail.example.org>',
    body: expect.stringContaining('error E-42'),
  });
  const mails = await outbox(t);
  expect(mails.filter((m) => m.template === 'ticket_received').map((m) => m.to_address)).toEqual(['alice@example.org']);
  expect(mails.some((m) => m.template === 'staff_new_ticket')).toBe(true);
  const inbound = await t.db('inbound_mails').where({ id: result.inboundId }).first();
  expect(inbound).toMatchObject({
    status: 'imported',
    source: 'pipe',
    from_address: 'alice@example.org',
    message_id_header: '<plain-1@mail.example.org>',
  });
  expect(Number(inbound.ticket_id)).toBe(ticket.id);
  expect(inbound.raw_key).toMatch(/^[a-f0-9]{40}$/);
});

test('the same mail imported twice creates one ticket and one message', async () => {
  const raw = simpleMail({ messageId: '<twice@example.org>' });
  const first = await importMail(t, raw);
  const second = await importMail(t, raw);
  expect(first.outcome).toBe('created');
  expect(second).toMatchObject({ outcome: 'duplicate', ticketId: first.ticketId });
  expect(await t.db('messages').where({ email_message_id: '<twice@example.org>' }).count({ n: '*' })).toEqual([
    { n: 1 },
  ]);
});

test('a reply to our mail lands on the ticket by its headers, and by the tracking ID in the subject', async () => {
  const opened = await importMail(t, simpleMail({ from: 'Quinn <quinn@example.org>', subject: 'Login broken' }));
  const ack = (await outbox(t)).find((m) => m.template === 'ticket_received')!;
  const byHeader = await importMail(
    t,
    simpleMail({
      from: 'quinn@EXAMPLE.org',
      subject: 'Re: something else',
      headers: [`In-Reply-To: ${ack.email_message_id}`],
      body: 'Still broken.',
    }),
  );
  expect(byHeader).toMatchObject({ outcome: 'replied', ticketId: opened.ticketId });
  const ticket = (await findTicketById(t.db, opened.ticketId!))!;
  const bySubject = await importMail(
    t,
    simpleMail({
      from: 'quinn@example.org',
      subject: `Re: [#${formatTrackingId(ticket.trackingId)}] Login broken`,
      body: 'Any news?',
    }),
  );
  expect(bySubject).toMatchObject({ outcome: 'replied', ticketId: opened.ticketId });
  expect(await t.db('messages').where({ ticket_id: opened.ticketId }).orderBy('id').pluck('body')).toEqual([
    'Hello, I have a question.',
    'Still broken.',
    'Any news?',
  ]);
});
