import request from 'supertest';
import { runDueJobs } from '../../src/jobs/job-runner';
import { installedApp, type InstalledApp } from '../helpers/installed-app';
import { openTicket, validTicket } from '../helpers/portal';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink';

let t: InstalledApp;
let sink: SmtpSink | null = null;
beforeAll(async () => {
  t = await installedApp();
});
afterAll(async () => {
  await sink?.close();
  await t.close();
});

test('SMTP down at submit time: the ticket is stored, the mail waits and goes out once SMTP is back', async () => {
  // A port where nothing listens yet.
  const probe = await startSmtpSink();
  const port = probe.port;
  await probe.close();
  await t.services.settings.save({
    'mail.transport': 'smtp',
    'mail.smtpHost': '127.0.0.1',
    'mail.smtpPort': port,
    'mail.smtpSecurity': 'none',
    'helpdesk.url': 'http://help.example.test',
  });

  const agent = request.agent(t.app);
  const id = await openTicket(t, agent);
  await agent.get(`/helpdesk/tickets/${id}`).expect(200);
  const queued = await t.db('mail_outbox').where({ template: 'ticket_received' }).first();
  expect(queued.status).toBe('queued');

  await runDueJobs(t.services);
  const deferred = await t.db('mail_outbox').where({ id: queued.id }).first();
  expect(deferred.status).toBe('deferred');
  expect(deferred.last_error).toBeTruthy();

  sink = await startSmtpSink({ port });
  t.clock.advance(10 * 60_000); // past every retry time (each has its own jitter)
  await runDueJobs(t.services);
  const mails = await sink.waitFor(2);
  const toCustomer = mails.find((m) => m.to.includes(validTicket.email))!;
  expect(toCustomer.parsed.subject).toContain(`[#${id.slice(0, 3)}-${id.slice(3, 6)}-${id.slice(6)}]`);
  expect(toCustomer.parsed.headers.get('auto-submitted')).toBe('auto-generated');
  expect(String(toCustomer.parsed.text)).toContain('http://help.example.test/helpdesk/tickets/');
  expect((await t.db('mail_outbox').where({ id: queued.id }).first()).status).toBe('sent');
});
