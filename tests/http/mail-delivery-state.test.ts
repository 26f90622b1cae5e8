import request from 'supertest';
import { deliverDueMail } from '../../src/jobs/mail-delivery';
import { deliveryPolicy } from '../../src/mail/delivery-policy';
import { addStaffReply } from '../../src/tickets/tickets.service';
import { findTicketByTrackingId, type TicketView } from '../../src/tickets/tickets.repo';
import { csrfFrom, installedApp, signIn, type InstalledApp } from '../helpers/installed-app';
import { openTicket, validTicket } from '../helpers/portal';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink';
import { adminAgent, createRole, createStaffWithPassword } from '../helpers/staff-admin';
import { testDbKind } from '../helpers/test-db';

let t: InstalledApp;
let sink: SmtpSink;
let admin: request.Agent;
beforeAll(async () => {
  t = await installedApp();
  sink = await startSmtpSink();
  admin = await adminAgent(t);
});
afterAll(async () => {
  await sink.close();
  await t.close();
});

const ada = { id: 1, name: 'Ada Admin', isAdmin: true, capabilities: [] };
const ticketOf = async (trackingId: string) => (await findTicketByTrackingId(t.db, trackingId))!;
const useSmtp = () =>
  t.services.settings.save({
    'mail.transport': 'smtp',
    'mail.smtpHost': '127.0.0.1',
    'mail.smtpPort': sink.port,
    'mail.smtpSecurity': 'none',
  });
const mailOf = async (ticket: TicketView, body: string) => {
  const message = await t.db('messages').where({ ticket_id: ticket.id, body }).first<{ id: number }>('id');
  return t
    .db('mail_outbox')
    .where({ message_id: message!.id })
    .first<{ id: number; status: string; email_message_id: string; attempts: number }>(
      'id',
      'status',
      'email_message_id',
      'attempts',
    );
};

/**
 * One ticket whose customer mails end in every state: the confirmation only written to the mail
 * log file, a reply accepted by the server, one deferred by a temporary refusal, one refused for
 * good (failed), and one still waiting.
 */
async function ticketInEveryState() {
  const trackingId = await openTicket(t, request.agent(t.app));
  await deliverDueMail(t.services); // the log transport: written to the file, nothing sent
  await useSmtp();
  let ticket = await ticketOf(trackingId);
  const reply = async (body: string) => {
    await addStaffReply(t.services, ticket, { staff: ada, body, files: [] });
    ticket = await ticketOf(trackingId);
  };
  await reply('Accepted reply');
  await deliverDueMail(t.services);
  sink.refuseRecipients(() => ({ code: 452, message: '4.2.2 Mailbox full, try later' }));
  await reply('Deferred reply');
  await deliverDueMail(t.services);
  sink.refuseRecipients(() => ({ code: 550, message: '5.1.1 No such user here' }));
  await reply('Failed reply');
  const failedMail = (await mailOf(ticket, 'Failed reply'))!;
  // The deferred one is not due yet: only the new reply is tried now.
  expect((await deliverDueMail(t.services)).outcomes).toEqual([
    expect.objectContaining({ id: Number(failedMail.id), status: 'failed' }),
  ]);
  sink.refuseRecipients(null);
  await reply('Waiting reply');
  return { ticket, trackingId };
}

function statesOf(html: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const li of html.split('<li class="message ').slice(1)) {
    const body = /<div class="message__body">([^<]*)<\/div>/.exec(li)?.[1] ?? '';
    const state = /data-mail-state="(\w+)"/.exec(li)?.[1];
    if (state) out[body.split('\n')[0]!] = state;
  }
  return out;
}

test(`each customer mail's delivery state is on the ticket page, said as it is (${testDbKind})`, async () => {
  const { ticket } = await ticketInEveryState();
  const page = await admin.get(`/admin/tickets/${ticket.id}`).expect(200);
  expect(statesOf(page.text)).toEqual({
    [validTicket.message.split('\n')[0]!]: 'logged',
    'Accepted reply': 'sent',
    'Deferred reply': 'deferred',
    'Failed reply': 'failed',
    'Waiting reply': 'queued',
  });
  // The first message's mail is the confirmation with the tracking ID, not the customer's words sent back.
  expect(page.text).toContain(
    `Confirmation with the tracking ID to ${validTicket.email}: not sent. It was written to the mail log file`,
  );
  expect(page.text).not.toContain(`E-mail to ${validTicket.email}: not sent.`);
  expect(page.text).toMatch(new RegExp(`E-mail to ${validTicket.email}: accepted by the mail server \\w+`));
  expect(page.text).toContain(`E-mail to ${validTicket.email}: not delivered yet; next try`);
  expect(page.text).toContain('4.2.2 Mailbox full, try later');
  expect(page.text).toContain(`E-mail to ${validTicket.email}: not delivered. Sending was given up.`);
  expect(page.text).toContain('5.1.1 No such user here');
  // The final failure is in the ticket's history too.
  expect(page.text).toMatch(
    /E-mail not delivered<\/?[^>]*>?: carla@example\.net|E-mail not delivered: carla@example\.net/,
  );
  expect(
    await t.db('ticket_events').where({ ticket_id: ticket.id, type: 'mail.failed' }).count<{ n: number }[]>({ n: '*' }),
  ).toEqual([{ n: 1 }]);
  // Only the failed one can be sent again.
  expect(page.text.match(/\/mail\/\d+\/resend/g)).toHaveLength(1);
});

test('a failed mail is on the dashboard, and "send again" sends the same mail with the same Message-ID', async () => {
  await t.db('mail_outbox').del();
  sink.received.splice(0);
  const { ticket } = await ticketInEveryState();
  const failed = (await mailOf(ticket, 'Failed reply'))!;
  const dashboard = await admin.get('/admin').expect(200);
  expect(dashboard.text).toContain('E-mails not delivered');
  expect(dashboard.text).toContain(`href="/admin/tickets/${ticket.id}"`);

  const path = `/admin/tickets/${ticket.id}/mail/${failed.id}/resend`;
  const page = await admin.get(`/admin/tickets/${ticket.id}`).expect(200);
  await admin.post(path).type('form').send({}).expect(403); // no CSRF token
  const other = await ticketOf(await openTicket(t, request.agent(t.app), { email: 'other@example.net' }));
  await admin
    .post(`/admin/tickets/${other.id}/mail/${failed.id}/resend`)
    .type('form')
    .send({ _csrf: csrfFrom(page.text) })
    .expect(404);
  await admin
    .post(`/admin/tickets/${ticket.id}/mail/abc/resend`)
    .type('form')
    .send({ _csrf: csrfFrom(page.text) })
    .expect(404);
  expect((await mailOf(ticket, 'Failed reply'))!.status).toBe('failed');

  const done = await admin
    .post(path)
    .type('form')
    .send({ _csrf: csrfFrom(page.text) })
    .expect(303);
  expect(done.headers.location).toBe(`/admin/tickets/${ticket.id}?done=mailresent`);
  expect((await admin.get(done.headers.location!)).text).toContain('The e-mail will be sent again in a moment.');
  expect(await mailOf(ticket, 'Failed reply')).toMatchObject({
    status: 'queued',
    email_message_id: failed.email_message_id,
  });
  await admin
    .post(path)
    .type('form')
    .send({ _csrf: csrfFrom(page.text) })
    .expect(409); // already queued
  const event = await t
    .db('ticket_events')
    .where({ ticket_id: ticket.id, type: 'mail.resent' })
    .first<{ actor_type: string; actor_id: number; data: string }>('actor_type', 'actor_id', 'data');
  expect(event).toMatchObject({ actor_type: 'staff', actor_id: 1 });
  expect(JSON.parse(event!.data)).toEqual({ mailId: Number(failed.id), address: validTicket.email });

  const before = sink.received.length;
  t.clock.advance(deliveryPolicy.maxRetryMs); // the deferred one is due too by now
  await deliverDueMail(t.services);
  const resent = sink.received.slice(before).filter((m) => m.parsed.text?.includes('Failed reply'));
  expect(resent.map((m) => m.parsed.messageId)).toEqual([failed.email_message_id]);
  expect((await admin.get('/admin')).text).not.toContain('E-mails not delivered');
});

test('re-sending needs "reply" on that ticket: view-only staff get 403, staff of other categories 404', async () => {
  await t.db('mail_outbox').del();
  admin = await adminAgent(t); // the clock moved six hours in the test before: a new session
  const { ticket } = await ticketInEveryState();
  const failed = (await mailOf(ticket, 'Failed reply'))!;
  const roleId = await createRole(t, admin, 'Watcher', ['tickets.view']);
  await createStaffWithPassword(t, admin, {
    name: 'Vic Viewer',
    email: 'vic@example.com',
    password: 'a long enough passphrase 12',
    role: String(roleId),
    categories: [String(ticket.categoryId)],
  });
  const viewer = request.agent(t.app);
  expect((await signIn(viewer, { email: 'vic@example.com', password: 'a long enough passphrase 12' })).status).toBe(
    303,
  );
  const page = await viewer.get(`/admin/tickets/${ticket.id}`).expect(200);
  expect(page.text).toContain('data-mail-state="failed"');
  expect(page.text).not.toContain('/resend');
  const token = csrfFrom((await viewer.get('/admin/profile')).text);
  await viewer
    .post(`/admin/tickets/${ticket.id}/mail/${failed.id}/resend`)
    .type('form')
    .send({ _csrf: token })
    .expect(403);

  const outsider = request.agent(t.app);
  const replier = await createRole(t, admin, 'Replier', ['tickets.view', 'tickets.reply']);
  await createStaffWithPassword(t, admin, {
    name: 'Olga Other',
    email: 'olga@example.com',
    password: 'a long enough passphrase 13',
    role: String(replier),
    categories: [],
  });
  expect((await signIn(outsider, { email: 'olga@example.com', password: 'a long enough passphrase 13' })).status).toBe(
    303,
  );
  const dash = await outsider.get('/admin').expect(200);
  expect(dash.text).not.toContain('E-mails not delivered');
  await outsider
    .post(`/admin/tickets/${ticket.id}/mail/${failed.id}/resend`)
    .type('form')
    .send({ _csrf: csrfFrom((await outsider.get('/admin/profile')).text) })
    .expect(404);
  expect((await mailOf(ticket, 'Failed reply'))!.status).toBe('failed');
});
