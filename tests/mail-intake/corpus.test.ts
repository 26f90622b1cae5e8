import request from 'supertest';
import { signedInAgent, adminCredentials, useInstalledApp, type InstalledApp } from '../helpers/installed-app';
import { fixtureMail, importMail, outbox } from '../helpers/mail-intake';
import { openTicket } from '../helpers/portal';
import { findTicketById, findTicketByTrackingId } from '../../src/tickets/tickets.repo';

let t: InstalledApp;
useInstalledApp((app) => (t = app), { freshRateLimits: true });
beforeEach(async () => {
  await t.db('mail_outbox').del();
});

let copies = 0;
/** A fixture imported as a new mail: its Message-ID made unique, so tests may import one fixture each. */
async function imported(name: string) {
  const raw = Buffer.from(
    fixtureMail(name)
      .toString('latin1')
      .replace(/^Message-ID: </im, `Message-ID: <copy${++copies}.`),
    'latin1',
  );
  const result = await importMail(t, raw);
  expect(result).toMatchObject({ outcome: 'created' });
  const ticket = (await findTicketById(t.db, result.ticketId!))!;
  const message = await t.db('messages').where({ ticket_id: ticket.id }).first('id', 'body');
  const files = await t
    .db('attachments')
    .where({ ticket_id: ticket.id })
    .orderBy('id')
    .select('file_name', 'content_type', 'size_bytes');
  return { result, ticket, body: String(message.body), files };
}

test.each([
  ['iso-2022-jp.eml', 'お問い合わせ', '山田太郎', '注文番号１２３の件です。'],
  ['windows-1251.eml', 'Вход', 'Иван Петров', 'Не могу войти в личный кабинет.'],
  ['koi8-r.eml', 'Счёт не пришёл', 'Olga', 'Счёт за ноябрь так и не пришёл.'],
  ['windows-1250.eml', 'Számla hiányzik', 'Kovács Lőrinc', 'A novemberi számla hiányzik.'],
  ['multipart-alternative.eml', 'Faktúra č. 2026-17', 'Bob Builder', 'faktúra č. 2026-17 má nesprávnu sumu.'],
])('%s: subject, sender name and text arrive in Unicode', async (name, subject, customer, text) => {
  const { ticket, body } = await imported(name);
  expect(ticket.subject).toBe(subject);
  expect(ticket.customerName).toBe(customer);
  expect(body).toContain(text);
});

test('the customer language comes from Content-Language when it is a UI language, else the desk default', async () => {
  expect((await imported('windows-1251.eml')).ticket.language).toBe('ru');
  expect((await imported('koi8-r.eml')).ticket.language).toBe('en');
});

test('nested multipart: the inline picture and the PDF are attached, a program and a page disguised as a picture are left off with a note', async () => {
  const { body, files } = await imported('nested-attachments.eml');
  expect(files.map((f: { file_name: string }) => f.file_name).sort()).toEqual(['invoice.pdf', 'screenshot.png']);
  expect(body).toContain('See the screenshot below and the invoice attached.');
  expect(body).toContain('Files of this e-mail that were not attached');
  expect(body).toContain('tool.exe');
  expect(body).toContain('fake.png');
});

test('a broken boundary still gives a ticket with the readable text', async () => {
  const { body } = await imported('broken-boundary.eml');
  expect(body).toContain('The part before the broken one is still readable.');
});

test('NUL bytes are removed from subject and text (no database stores them in text)', async () => {
  const { ticket, body } = await imported('nul-bytes.eml');
  expect(ticket.subject).toBe('NUL in the subject');
  expect(body).toBe('Text with a NUL byte in the middle and at the end.');
});

test('a mail without Message-ID imports once: its raw bytes are the key', async () => {
  const first = await importMail(t, fixtureMail('no-message-id.eml'));
  expect(first.outcome).toBe('created');
  expect(await importMail(t, fixtureMail('no-message-id.eml'))).toMatchObject({
    outcome: 'duplicate',
    ticketId: first.ticketId,
  });
  const changed = Buffer.concat([fixtureMail('no-message-id.eml'), Buffer.from('P.S. one more line\n')]);
  expect((await importMail(t, changed)).outcome).toBe('created');
});

test('CR/LF smuggled into encoded headers stays out of every header we write', async () => {
  const { ticket } = await imported('crlf-headers.eml');
  expect(ticket.subject).not.toMatch(/[\r\n]/);
  expect(ticket.customerName).not.toMatch(/[\r\n]/);
  const ack = (await outbox(t)).filter((m) => m.template === 'ticket_received');
  expect(ack.map((m) => m.to_address)).toEqual(['hacker@example.org']);
  const row = await t.db('mail_outbox').where({ template: 'ticket_received' }).first('subject', 'headers');
  expect(String(row.subject)).not.toMatch(/[\r\n]/);
  expect(JSON.parse(String(row.headers)).toName).toBe('Hacker Bcc: victim@example.com');
});

test('HTML-only mail becomes text without its script, and the staff page shows everything escaped', async () => {
  const { ticket, body } = await imported('html-script.eml');
  expect(body).toContain('the <order> page shows an error.');
  expect(body).not.toMatch(/alert|document\.cookie|color:red/);
  const agent = await signedInAgent(t, adminCredentials);
  const page = await agent.get(`/admin/tickets/${ticket.id}`).expect(200);
  expect(page.text).toContain('&lt;script&gt;alert(&#39;subject&#39;)&lt;/script&gt;');
  expect(page.text).not.toContain("<script>alert('subject')");
  expect(page.text).toContain('by e-mail');
});

test('a mail to 10,000 recipients opens one ticket and acknowledges only its sender', async () => {
  const to = Array.from({ length: 10_000 }, (_, i) => `person${i}@example.com`).join(',\r\n ');
  const raw = Buffer.from(
    `From: Mass Sender <mass@example.org>\r\nTo: ${to}\r\nSubject: To everyone\r\nMessage-ID: <many-recipients@example.org>\r\n\r\nHello all.\r\n`,
  );
  const result = await importMail(t, raw);
  expect(result.outcome).toBe('created');
  expect((await outbox(t)).filter((m) => m.template === 'ticket_received').map((m) => m.to_address)).toEqual([
    'mass@example.org',
  ]);
});

test('a ticket opened on the web carries no e-mail mark on the staff page', async () => {
  const id = await openTicket(t, request.agent(t.app), { email: 'web@example.org' });
  const ticket = (await findTicketByTrackingId(t.db, id))!;
  const agent = await signedInAgent(t, adminCredentials);
  const page = await agent.get(`/admin/tickets/${ticket.id}`).expect(200);
  expect(page.text).not.toContain('by e-mail');
});
