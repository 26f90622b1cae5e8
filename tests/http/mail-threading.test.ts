import request from 'supertest';
import { deliverDueMail } from '../../src/jobs/mail-delivery';
import { replyMarkerToken } from '../../src/mail/inbound';
import { addStaffReply } from '../../src/tickets/tickets.service';
import { findTicketByTrackingId } from '../../src/tickets/tickets.repo';
import { installedApp, type InstalledApp } from '../helpers/installed-app';
import { importMail, simpleMail } from '../helpers/mail-intake';
import { openTicket, validTicket } from '../helpers/portal';
import { startSmtpSink, type ReceivedMail, type SmtpSink } from '../helpers/smtp-sink';
import { testDbKind } from '../helpers/test-db';

let t: InstalledApp;
let sink: SmtpSink;
beforeAll(async () => {
  t = await installedApp();
  sink = await startSmtpSink();
  await t.services.settings.save({
    'mail.transport': 'smtp',
    'mail.smtpHost': '127.0.0.1',
    'mail.smtpPort': sink.port,
    'mail.smtpSecurity': 'none',
    'helpdesk.email': 'help@acme.test',
  });
});
afterAll(async () => {
  await sink.close();
  await t.close();
});
beforeEach(() => sink.received.splice(0));

const ada = { id: 1, name: 'Ada Admin', isAdmin: true, capabilities: [] };
const ticketOf = async (trackingId: string) => (await findTicketByTrackingId(t.db, trackingId))!;
const header = (m: ReceivedMail, name: string) => {
  const v = m.parsed.headers.get(name);
  return v === undefined ? undefined : typeof v === 'string' ? v : JSON.stringify(v);
};
const refs = (m: ReceivedMail) => {
  const r = m.parsed.references;
  return r === undefined ? [] : Array.isArray(r) ? r : [r];
};

/** Sends what is due and returns the mails that reached `to` (a customer), oldest first. */
async function sent(count: number, to = validTicket.email): Promise<ReceivedMail[]> {
  await deliverDueMail(t.services);
  const mails = sink.received.filter((m) => m.to.includes(to));
  expect(mails).toHaveLength(count);
  return mails;
}

async function reply(trackingId: string, body: string) {
  t.clock.advance(1000);
  await addStaffReply(t.services, await ticketOf(trackingId), { staff: ada, body, files: [] });
}

test(`a web ticket's mails form one thread: the confirmation starts it, each reply answers the latest mail (${testDbKind})`, async () => {
  const trackingId = await openTicket(t, request.agent(t.app));
  const [received] = await sent(1);
  expect(received!.parsed.inReplyTo).toBeUndefined();
  expect(refs(received!)).toEqual([]);
  const root = received!.parsed.messageId!;

  await reply(trackingId, 'First answer');
  const [, first] = await sent(2);
  expect(first!.parsed.inReplyTo).toBe(root);
  expect(refs(first!)).toEqual([root]);

  // The customer answered by e-mail (as the import stores it): the next reply answers that mail.
  const ticket = await ticketOf(trackingId);
  t.clock.advance(1000);
  await t.db('messages').insert({
    ticket_id: ticket.id,
    kind: 'customer',
    customer_id: null,
    author_name: 'Carla',
    body: 'Still smoking',
    body_format: 'text',
    email_message_id: '<answer-1@mail.example.net>',
    created_at: t.clock.now(),
  });
  await reply(trackingId, 'Second answer');
  const [, , second] = await sent(3);
  expect(second!.parsed.inReplyTo).toBe('<answer-1@mail.example.net>');
  expect(refs(second!)).toEqual([root, first!.parsed.messageId, '<answer-1@mail.example.net>']);
  // Inbound mail is off: no Reply-To, no marker, and the mail says replies do not reach the ticket.
  for (const m of [received!, first!, second!]) {
    expect(m.parsed.replyTo).toBeUndefined();
    expect(m.parsed.text).not.toContain(replyMarkerToken);
    expect(m.parsed.html || '').not.toContain(replyMarkerToken);
  }
});

test("a ticket that came by e-mail threads under the customer's own first mail", async () => {
  const trackingId = await openTicket(t, request.agent(t.app), { email: 'mailer@example.net' });
  await sent(1, 'mailer@example.net');
  const ticket = await ticketOf(trackingId);
  const first = await t.db('messages').where({ ticket_id: ticket.id }).orderBy('id').first<{ id: number }>('id');
  await t.db('messages').where({ id: first!.id }).update({ email_message_id: 'original-123@mail.example.net' }); // stored without brackets
  await reply(trackingId, 'Answer to your mail');
  const [, answer] = await sent(2, 'mailer@example.net');
  expect(refs(answer!)[0]).toBe('<original-123@mail.example.net>');
  expect(answer!.parsed.inReplyTo).not.toBe('<original-123@mail.example.net>'); // our confirmation came after it
});

test('while customers can answer by e-mail: Reply-To routes answers to the help desk, the marker opens both parts', async () => {
  await t.services.settings.save({ 'mail.inboundReplies': true });
  try {
    const trackingId = await openTicket(t, request.agent(t.app), { email: 'replier@example.net' });
    await reply(trackingId, 'An answer');
    const mails = await sent(2, 'replier@example.net');
    for (const m of mails) {
      expect(m.parsed.replyTo?.value).toEqual([{ address: 'help@acme.test', name: '' }]);
      expect(m.parsed.text!.split('\n')[0]).toBe('##- Please type your reply above this line -##');
      expect(m.parsed.html).toContain('##- Please type your reply above this line -##');
      expect(m.parsed.text).toContain('reply to this e-mail');
    }
    await t.services.settings.save({ 'mail.replyTo': 'answers@acme.test' });
    await reply(trackingId, 'Another answer');
    const [, , third] = await sent(3, 'replier@example.net');
    expect(third!.parsed.replyTo?.value).toEqual([{ address: 'answers@acme.test', name: '' }]);
    expect(header(third!, 'reply-to')).toBeDefined();
  } finally {
    await t.services.settings.save({ 'mail.inboundReplies': false, 'mail.replyTo': '' });
  }
});

test('a customer in another language gets the marker in their language, with the same ASCII token', async () => {
  await t.services.settings.save({ 'mail.inboundReplies': true });
  try {
    const trackingId = await openTicket(t, request.agent(t.app), { email: 'slovak@example.net' });
    await t
      .db('tickets')
      .where({ id: (await ticketOf(trackingId)).id })
      .update({ language: 'sk' });
    await reply(trackingId, 'Odpoveď');
    const [, answer] = await sent(2, 'slovak@example.net');
    expect(answer!.parsed.text!.split('\n')[0]).toBe(
      '##- Odpoveď napíšte nad tento riadok · reply above this line -##',
    );
  } finally {
    await t.services.settings.save({ 'mail.inboundReplies': false });
  }
});

test('a hand-edited stored Reply-To that is not an address never reaches a header', async () => {
  const trackingId = await openTicket(t, request.agent(t.app), { email: 'edited@example.net' });
  const ticket = await ticketOf(trackingId);
  await t
    .db('mail_outbox')
    .where({ ticket_id: ticket.id, to_address: 'edited@example.net' })
    .update({ headers: JSON.stringify({ replyTo: 'x@y.test\r\nBcc: evil@evil.test' }) });
  const report = await deliverDueMail(t.services);
  expect(report.outcomes).toContainEqual(expect.objectContaining({ status: 'failed' }));
  expect(
    sink.received.filter((m) => m.to.includes('edited@example.net') || m.to.includes('evil@evil.test')),
  ).toHaveLength(0);
});

test('end to end with the import: the customer answers our mail from their client, our next reply answers their mail', async () => {
  await t.services.settings.save({ 'mail.inboundReplies': true });
  try {
    const trackingId = await openTicket(t, request.agent(t.app), { email: 'roundtrip@example.net' });
    await reply(trackingId, 'Please send the log file.');
    const [ack, ours] = await sent(2, 'roundtrip@example.net');
    // The customer's client quotes our mail below their answer, marker included.
    const quoted = ours!.parsed
      .text!.split('\n')
      .map((l) => `> ${l}`)
      .join('\r\n');
    t.clock.advance(1000);
    const answer = simpleMail({
      from: 'Carla Customer <roundtrip@example.net>',
      subject: `Re: ${ours!.parsed.subject}`,
      messageId: '<carla-answer@mail.example.net>',
      headers: [
        `In-Reply-To: ${ours!.parsed.messageId}`,
        `References: ${ack!.parsed.messageId} ${ours!.parsed.messageId}`,
      ],
      body: `Here it is.\r\n\r\nOn Monday you wrote:\r\n${quoted}`,
    });
    const imported = await importMail(t, answer);
    expect(imported).toMatchObject({ outcome: 'replied', ticketId: (await ticketOf(trackingId)).id });
    const stored = await t
      .db('messages')
      .where({ email_message_id: '<carla-answer@mail.example.net>' })
      .first<{ body: string }>('body');
    expect(stored!.body).toContain('Here it is.');
    expect(stored!.body).not.toContain(replyMarkerToken);
    await reply(trackingId, 'Thanks, we found the problem.');
    const mails = await sent(3, 'roundtrip@example.net');
    expect(mails[2]!.parsed.inReplyTo).toBe('<carla-answer@mail.example.net>');
    expect(refs(mails[2]!)).toEqual([ack!.parsed.messageId, ours!.parsed.messageId, '<carla-answer@mail.example.net>']);
  } finally {
    await t.services.settings.save({ 'mail.inboundReplies': false });
  }
});
