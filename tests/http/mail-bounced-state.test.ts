import request from 'supertest';
import { deliverDueMail } from '../../src/jobs/mail-delivery';
import { addStaffReply } from '../../src/tickets/tickets.service';
import { findTicketByTrackingId } from '../../src/tickets/tickets.repo';
import { csrfFrom, installedApp, type InstalledApp } from '../helpers/installed-app';
import { openTicket, validTicket } from '../helpers/portal';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink';
import { adminAgent } from '../helpers/staff-admin';
import { testDbKind } from '../helpers/test-db';

let t: InstalledApp;
let sink: SmtpSink;
let admin: request.Agent;
beforeAll(async () => {
  t = await installedApp();
  sink = await startSmtpSink();
  admin = await adminAgent(t);
  await t.services.settings.save({
    'mail.transport': 'smtp',
    'mail.smtpHost': '127.0.0.1',
    'mail.smtpPort': sink.port,
    'mail.smtpSecurity': 'none',
  });
});
afterAll(async () => {
  await sink.close();
  await t.close();
});

const ada = { id: 1, name: 'Ada Admin', isAdmin: true, capabilities: [] };
const diagnostic = '550 5.1.1 <carla@example.net>: Recipient address rejected: <script>alert(1)</script>';

test(`a bounced reply shows as bounced with the server's diagnostic, and staff can send it again (${testDbKind})`, async () => {
  const trackingId = await openTicket(t, request.agent(t.app));
  const ticket = (await findTicketByTrackingId(t.db, trackingId))!;
  await addStaffReply(t.services, ticket, { staff: ada, body: 'Bounced reply', files: [] });
  await deliverDueMail(t.services);
  const message = await t
    .db('messages')
    .where({ ticket_id: ticket.id, body: 'Bounced reply' })
    .first<{ id: number }>('id');
  const mail = await t
    .db('mail_outbox')
    .where({ message_id: message!.id })
    .first<{ id: number; status: string; email_message_id: string }>('id', 'status', 'email_message_id');
  expect(mail!.status).toBe('sent');
  // What the import does with a delivery status notification about this mail.
  await t.db('mail_outbox').where({ id: mail!.id }).update({ status: 'bounced', last_error: diagnostic });

  const page = await admin.get(`/admin/tickets/${ticket.id}`).expect(200);
  expect(page.text).toContain('data-mail-state="bounced"');
  expect(page.text).toContain(`E-mail to ${validTicket.email}: bounced. The server accepted it`);
  expect(page.text).toContain(
    'Reason given: 550 5.1.1 &lt;carla@example.net&gt;: Recipient address rejected: &lt;script&gt;alert(1)&lt;/script&gt;',
  );
  expect(page.text).not.toContain('<script>alert(1)');
  expect(page.text.match(/\/mail\/\d+\/resend/g)).toEqual([`/mail/${mail!.id}/resend`]);
  expect((await admin.get('/admin')).text).toContain('E-mails not delivered');

  const path = `/admin/tickets/${ticket.id}/mail/${mail!.id}/resend`;
  await admin.post(path).type('form').send({}).expect(403);
  await admin
    .post(path)
    .type('form')
    .send({ _csrf: csrfFrom(page.text) })
    .expect(303);
  expect(await t.db('mail_outbox').where({ id: mail!.id }).first('status', 'email_message_id')).toEqual({
    status: 'queued',
    email_message_id: mail!.email_message_id,
  });
  await admin
    .post(path)
    .type('form')
    .send({ _csrf: csrfFrom(page.text) })
    .expect(409);
  const before = sink.received.length;
  await deliverDueMail(t.services);
  expect(sink.received.slice(before).map((m) => m.parsed.messageId)).toEqual([mail!.email_message_id]);
  expect((await admin.get(`/admin/tickets/${ticket.id}`)).text).not.toContain('data-mail-state="bounced"');
});
