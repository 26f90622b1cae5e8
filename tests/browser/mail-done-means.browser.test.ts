import { deliverDueMail } from '../../src/jobs/mail-delivery';
import { fetchDueMailboxes } from '../../src/jobs/mail-fetch';
import { fetchDepsOf } from '../../src/jobs/job-runner';
import { startDovecot, dovecotMissing, type DovecotServer } from '../helpers/dovecot';
import { adminCredentials } from '../helpers/installed-app';
import { addDovecotMailbox } from '../helpers/mailbox-fixtures';
import { startSmtpSink, type ReceivedMail, type SmtpSink } from '../helpers/smtp-sink';
import { waitFor } from '../helpers/wait-for';
import { collectPageErrors, signInAt, step, useServedApp, type ServedApp } from './browser';

jest.setTimeout(240_000);

/**
 * Issue 11's "Done means", walked as a new user would in one test: a real SMTP server receives
 * what Tessera sends, a real IMAP mailbox (Dovecot) holds what the customer writes, staff work in
 * Chromium. The customer's mail client is played by this test: it reads the sink and writes the
 * answer that a client writes (quoted history, In-Reply-To, References) into the mailbox.
 */
let app: ServedApp;
let dc: DovecotServer | null = null;
let sink: SmtpSink;
const customer = 'carol@example.org';
useServedApp(async (served) => {
  app = served;
  if (dovecotMissing()) return;
  dc = await startDovecot();
  sink = await startSmtpSink();
  await served.t.services.settings.save({
    'mail.transport': 'smtp',
    'mail.smtpHost': '127.0.0.1',
    'mail.smtpPort': sink.port,
    'mail.smtpSecurity': 'none',
    'mail.inboundReplies': true,
  });
  await addDovecotMailbox(served.t, dc, { afterImport: 'mark_seen', address: 'support@example.test' });
});
afterAll(async () => {
  await sink?.close();
  await dc?.close();
});

/** The jobs as the web process runs them: fetch the mailbox, then send what is queued. */
async function jobs() {
  const { t } = app;
  t.clock.advance(10 * 60_000); // whatever is due (mailbox poll, a deferred mail's next try) is due now
  await fetchDueMailboxes(fetchDepsOf(t.services));
  await deliverDueMail(t.services);
}
const toCustomer = () => sink.received.filter((m) => m.to.includes(customer));
/** Where the customer's client sends an answer: the Reply-To the mail invites replies at. */
const replyAddress = (m: ReceivedMail) => m.parsed.replyTo?.value[0]?.address ?? '';
const count = async (q: PromiseLike<Array<Record<string, unknown>>>) => Number((await q)[0]!.n);

/** What a mail client writes when the customer answers `to`: Re:, the quoted text, the threading headers. */
function answer(to: ReceivedMail, body: string, extra: string[] = []): string {
  const quoted = (to.parsed.text ?? '')
    .split(/\r?\n/)
    .map((l) => `> ${l}`)
    .join('\r\n');
  const id = to.parsed.messageId!;
  return [
    `From: Carol Customer <${customer}>`,
    `To: ${replyAddress(to)}`,
    `Subject: Re: ${to.parsed.subject}`,
    `Message-ID: <carol-${Math.random().toString(36).slice(2)}@example.org>`,
    `In-Reply-To: ${id}`,
    `References: ${[...(Array.isArray(to.parsed.references) ? to.parsed.references : to.parsed.references ? [to.parsed.references] : []), id].join(' ')}`,
    'Date: Mon, 07 Dec 2026 11:00:00 +0000',
    ...extra,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    body,
    '',
    `On Mon, 7 Dec 2026 at 10:30, Support <support@example.test> wrote:`,
    quoted,
    '',
  ].join('\r\n');
}

test('a customer writes, is acknowledged, answers the staff reply from their mail client: one ticket, nothing lost or doubled through an SMTP outage, no loop with an auto-responder', async () => {
  if (!dc) return console.warn(`SKIPPED: ${dovecotMissing()}`);
  const { t } = app;
  // 1. The customer writes to the support address.
  dc.deliver(
    [
      `From: Carol Customer <${customer}>`,
      'To: support@example.test',
      'Subject: The label printer prints blank labels',
      `Message-ID: <carol-first@example.org>`,
      'Date: Mon, 07 Dec 2026 09:00:00 +0000',
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Hello, since this morning every label comes out blank. Carol',
      '',
    ].join('\r\n'),
  );
  await jobs();
  const ticket = await t.db('tickets').first<{ id: number; tracking_id: string }>('id', 'tracking_id');
  expect(ticket).toBeDefined();
  // 2. It is acknowledged by mail, threaded to the customer's mail.
  const [ack] = toCustomer();
  expect(ack).toBeDefined();
  expect(ack!.parsed.subject).toContain(ticket!.tracking_id.slice(0, 3));

  // 3. Staff reply in the browser.
  const context = await app.browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const errors = collectPageErrors(page);
  await signInAt(page, `${app.server.base}/admin/tickets/${ticket!.id}`, adminCredentials);
  await step(page, 'done-means-01-ticket-by-mail');
  await page
    .getByLabel('Reply', { exact: true })
    .fill('Please check that the labels are thermal labels, not plain paper.');
  await page.getByRole('button', { name: 'Send reply' }).click();
  expect(await page.locator('.alert--success').textContent()).toContain(
    'Your reply was saved. Its e-mail to the customer is queued',
  );
  await jobs();
  const reply = toCustomer().find((m) => (m.parsed.text ?? '').includes('thermal labels'));
  expect(reply).toBeDefined();
  expect(replyAddress(reply!)).toMatch(/@/); // answers are invited (mail.inboundReplies)

  // 4. The customer answers that reply from their mail client.
  dc.deliver(answer(reply!, 'They are thermal labels, the ones you sold us last year.'));
  await jobs();
  const messages = async () =>
    t.db('messages').where({ ticket_id: ticket!.id }).orderBy('id').select<Array<{ body: string }>>('body');
  expect(await count(t.db('tickets').count({ n: '*' }))).toBe(1);
  const three = await messages();
  expect(three).toHaveLength(3);
  expect(three[2]!.body).toContain('They are thermal labels');
  expect(three[2]!.body).not.toContain('> Please check'); // the quoted history is cut for display
  await page.reload();
  await step(page, 'done-means-02-three-messages');

  // 5. The SMTP server goes away; staff reply again; nothing is lost, and once it is back, nothing is doubled.
  await sink.close();
  await page
    .getByLabel('Reply', { exact: true })
    .fill('Thank you. Please update the printer firmware to 2.4; here is how.');
  await page.getByRole('button', { name: 'Send reply' }).click();
  await jobs(); // refused connection: deferred
  const state = await t
    .db('mail_outbox')
    .where({ ticket_id: ticket!.id, template: 'staff_replied' })
    .orderBy('id', 'desc')
    .first<{ status: string }>('status');
  expect(state!.status).toBe('deferred');
  await page.reload();
  await step(page, 'done-means-03-smtp-down');
  sink = await startSmtpSink({ port: sink.port });
  await jobs();
  await waitFor(
    () => toCustomer().some((m) => (m.parsed.text ?? '').includes('firmware to 2.4')),
    'the reply after the outage',
  );
  await jobs(); // a second run sends nothing more
  const firmware = toCustomer().filter((m) => (m.parsed.text ?? '').includes('firmware to 2.4'));
  expect(firmware).toHaveLength(1);

  // 6. The customer's auto-responder answers that reply: refused, never answered, no loop.
  const sentBefore = sink.received.length;
  dc.deliver(answer(firmware[0]!, 'I am out of the office until Monday.', ['Auto-Submitted: auto-replied']));
  await jobs();
  await jobs();
  expect(sink.received.length).toBe(sentBefore);
  expect(await messages()).toHaveLength(4); // first, reply, answer, second reply: the auto-reply is not one
  expect(await count(t.db('inbound_mails').where({ status: 'refused', reason: 'auto_reply' }).count({ n: '*' }))).toBe(
    1,
  );
  await page.reload();
  await step(page, 'done-means-04-after-auto-reply');
  expect(errors).toEqual([]);
  await context.close();
});
