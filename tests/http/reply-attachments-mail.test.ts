import request from 'supertest';
import { deliverDueMail } from '../../src/jobs/mail-delivery';
import { mailAttachmentLimitBytes } from '../../src/mail/mail-attachments';
import { csrfFrom, installedApp, type InstalledApp } from '../helpers/installed-app';
import { openTicket } from '../helpers/portal';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink';
import { adminAgent } from '../helpers/staff-admin';
import { testDbKind } from '../helpers/test-db';

jest.setTimeout(60_000);

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
    'helpdesk.url': 'http://help.example.test',
  });
});
afterAll(async () => {
  await sink.close();
  await t.close();
});
beforeEach(async () => {
  await t.db('mail_outbox').del();
  sink.received.splice(0);
});

/** A staff reply with files, posted as the page posts it; returns the ticket. */
async function replyWithFiles(files: Array<{ name: string; content: Buffer }>) {
  const trackingId = await openTicket(t, request.agent(t.app));
  const ticket = (await t.db('tickets').where({ tracking_id: trackingId }).first<{ id: number }>('id'))!;
  await t.db('mail_outbox').del();
  const page = await admin.get(`/admin/tickets/${ticket.id}`).expect(200);
  const seen = String((await t.db('messages').where({ ticket_id: ticket.id }).max<{ m: number }[]>({ m: 'id' }))[0]!.m);
  let req = admin
    .post(`/admin/tickets/${ticket.id}/reply?_csrf=${encodeURIComponent(csrfFrom(page.text))}`)
    .field('message', 'Here are the files you asked for.')
    .field('seen', seen);
  for (const f of files) req = req.attach('attachments', f.content, f.name);
  await req.expect(303);
  return { id: Number(ticket.id), trackingId };
}

const textFile = (bytes: number, fill: string) =>
  Buffer.from(fill.repeat(Math.ceil(bytes / fill.length)).slice(0, bytes));

test(`a staff reply's files travel in the customer's mail (${testDbKind})`, async () => {
  const notes = textFile(2000, 'Restart the spooler.\n');
  const log = textFile(5000, 'line of the log\n');
  await replyWithFiles([
    { name: 'notes.txt', content: notes },
    { name: 'printer.log', content: log },
  ]);
  expect((await deliverDueMail(t.services)).outcomes.map((o) => o.status)).toEqual(['sent']);
  const [mail] = await sink.waitFor(1);
  expect(
    mail!.parsed.attachments.map((a) => [a.filename, a.content.equals(a.filename === 'notes.txt' ? notes : log)]),
  ).toEqual([
    ['notes.txt', true],
    ['printer.log', true],
  ]);
  expect(mail!.parsed.text).toContain('Attached to this e-mail:');
  expect(mail!.parsed.text).toContain('* notes.txt (2 kB)');
  expect(mail!.parsed.text).not.toContain('/attachments/');
});

test('past the size limit, files are linked with a signed download link that works for the customer only', async () => {
  const half = Math.floor(mailAttachmentLimitBytes * 0.6);
  const first = textFile(half, 'first file line\n');
  const second = textFile(half, 'second file line\n');
  const small = textFile(100, 'small file\n');
  const { trackingId } = await replyWithFiles([
    { name: 'first.txt', content: first },
    { name: 'second.txt', content: second },
    { name: 'small.txt', content: small },
  ]);
  await deliverDueMail(t.services);
  const [mail] = await sink.waitFor(1, 30_000);
  // The first and the small one fit within the limit together; the second does not.
  expect(mail!.parsed.attachments.map((a) => a.filename)).toEqual(['first.txt', 'small.txt']);
  expect(mail!.parsed.text).toContain('Too large to attach; download them from your ticket:');
  const link = new RegExp(
    `\\* second\\.txt \\([\\d.]+ MB\\): (http://help\\.example\\.test(/helpdesk/tickets/${trackingId}/attachments/\\d+\\?k=[\\w.-]+))`,
  ).exec(mail!.parsed.text!);
  expect(link).not.toBeNull();
  expect(mail!.parsed.html).toContain(`href="${link![1]!}"`);

  const customer = request.agent(t.app);
  const download = await customer
    .get(link![2]!)
    .buffer(true)
    .parse((res, done) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done(null, Buffer.concat(chunks)));
    });
  expect(download.status).toBe(200);
  expect(download.headers['content-disposition']).toMatch(/^attachment/);
  expect((download.body as Buffer).equals(second)).toBe(true);
  // A link whose signature was changed, or for another ticket, opens nothing.
  const forged = link![2]!.replace(
    /k=([\w.-]+)/,
    (_m, k: string) => `k=${k.slice(0, -2)}${k.endsWith('AA') ? 'BB' : 'AA'}`,
  );
  expect((await request.agent(t.app).get(forged)).status).not.toBe(200);
  const other = await openTicket(t, request.agent(t.app), { email: 'someone.else@example.net' });
  const elsewhere = link![2]!.replace(`/tickets/${trackingId}/`, `/tickets/${other}/`);
  expect((await request.agent(t.app).get(elsewhere)).status).not.toBe(200);
});

test('a reply whose file is gone before sending fails as a mail that can never be sent, and says so on the ticket', async () => {
  const { id } = await replyWithFiles([{ name: 'gone.txt', content: textFile(300, 'soon gone\n') }]);
  const key = (await t.db('attachments').where({ ticket_id: id }).first<{ storage_key: string }>('storage_key'))!
    .storage_key;
  await t.services.store.remove(key);
  expect((await deliverDueMail(t.services)).outcomes.map((o) => o.status)).toEqual(['failed']);
  expect(sink.received).toEqual([]);
  expect(
    await t.db('ticket_events').where({ ticket_id: id, type: 'mail.failed' }).count<{ n: number }[]>({ n: '*' }),
  ).toEqual([{ n: 1 }]);
});
