import fs from 'node:fs';
import { withTransaction } from '../../src/db/transaction';
import { deliverDueMail, drainDueMail } from '../../src/jobs/mail-delivery';
import { deliveryPolicy } from '../../src/mail/delivery-policy';
import { queueMail } from '../../src/mail/mail.service';
import { claimDueMail, listMailByTicket, removedBodyNote, requeueFailedMail } from '../../src/mail/outbox.repo';
import { mailLogFile } from '../../src/mail/transport';
import { insertTicket, mailEnv, type MailEnv } from '../helpers/mail-env';
import { sampleRequest } from '../helpers/mail-samples';
import { startSmtpSink, unusedPort, type SmtpSink } from '../helpers/smtp-sink';

let env: MailEnv;
let sink: SmtpSink;
beforeAll(async () => {
  env = await mailEnv();
});
afterAll(async () => env.close());
beforeEach(async () => {
  await env.t.db('mail_outbox').del();
  sink = await startSmtpSink();
  await env.useSmtp(sink.port);
});
afterEach(async () => sink.close());

const minute = 60_000;
const headerLines = (raw: string) => raw.slice(0, raw.indexOf('\r\n\r\n')).split('\r\n');

test("a mail is stored in the caller's transaction: rolled back with it, or committed with it", async () => {
  await expect(
    withTransaction(env.t.db, async (trx) => {
      await queueMail(trx, env.deps, sampleRequest('ticket_received'));
      throw new Error('the ticket could not be saved');
    }),
  ).rejects.toThrow('the ticket could not be saved');
  expect(await env.t.db('mail_outbox').count<{ n: number }[]>({ n: '*' })).toEqual([{ n: 0 }]);
  const queued = await env.queue(sampleRequest('ticket_received'));
  const row = await env.row(queued.id);
  expect(row).toMatchObject({
    status: 'queued',
    attempts: 0,
    email_message_id: queued.emailMessageId,
    to_address: 'eve@example.com',
  });
  expect(Number(row.next_attempt_at)).toBe(env.t.clock.now());
});

test('queued mail is delivered to the SMTP server with our headers and recorded as sent', async () => {
  const ticketId = await insertTicket(env, 'ABC234DEFG');
  const notice = await env.queue({ ...sampleRequest('ticket_received'), ticketId });
  const reply = await env.queue({
    ...sampleRequest('staff_replied'),
    ticketId,
    inReplyTo: '<first@mail.example.com>',
    references: ['<first@mail.example.com>'],
  });
  const report = await deliverDueMail(env.deps, { batchSize: 10 });
  expect(report.outcomes.map((o) => o.status)).toEqual(['sent', 'sent']);
  const [first, second] = await sink.waitFor(2);

  expect(first!.to).toEqual(['eve@example.com']);
  expect(first!.from).toBe('help@example.com');
  expect(first!.parsed.from?.value).toEqual([{ name: 'Acme Support', address: 'help@example.com' }]);
  expect(first!.parsed.messageId).toBe(notice.emailMessageId);
  expect(first!.parsed.subject).toBe('[#ABC-234-DEFG] We have received your request: Printer on fire');
  expect(first!.parsed.headers.get('auto-submitted')).toBe('auto-generated');
  expect(first!.parsed.text).toContain('Tracking ID: ABC-234-DEFG');
  expect(first!.parsed.html).toContain('ABC-234-DEFG');
  expect(notice.emailMessageId).toMatch(/@localhost>$/);

  expect(second!.parsed.messageId).toBe(reply.emailMessageId);
  expect(second!.parsed.inReplyTo).toBe('<first@mail.example.com>');
  expect(second!.parsed.headers.has('auto-submitted')).toBe(false);

  const states = await listMailByTicket(env.t.db, ticketId);
  expect(states.map((s) => [s.template, s.status, s.attempts])).toEqual([
    ['ticket_received', 'sent', 1],
    ['staff_replied', 'sent', 1],
  ]);
  expect(states[0]!.serverResponse).toMatch(/^250 .*queued as sink-1/);
  expect(states[0]!.sentAt).toBe(env.t.clock.now());
  expect(states[0]!.nextAttemptAt).toBeNull();
  expect(await deliverDueMail(env.deps)).toEqual({ target: '', outcomes: [], serverDown: null });
});

test('line breaks in a customer name or subject never create a header', async () => {
  await env.queue(
    sampleRequest('ticket_received', {
      text: 'Hi\r\nBcc: boss@evil.test',
      to: { address: 'eve@example.com', name: 'Eve\r\nBcc: x@evil.test\r\nX-Evil: yes' },
    }),
  );
  await deliverDueMail(env.deps);
  const [mail] = await sink.waitFor(1);
  const lines = headerLines(mail!.raw);
  expect(lines.filter((l) => /^(bcc|x-evil):/i.test(l))).toEqual([]);
  expect(mail!.to).toEqual(['eve@example.com']);
  expect(mail!.parsed.bcc).toBeUndefined();
  expect(mail!.parsed.subject).toBe('[#ABC-234-DEFG] We have received your request: Hi Bcc: boss@evil.test');
  expect(mail!.parsed.to).toMatchObject({
    value: [{ address: 'eve@example.com', name: 'Eve Bcc: x@evil.test X-Evil: yes' }],
  });
});

test('a dead SMTP server defers mail with growing backoff, and it goes out once the server is back', async () => {
  const port = await unusedPort();
  await env.useSmtp(port);
  const ids = [
    (await env.queue(sampleRequest('ticket_received'))).id,
    (await env.queue(sampleRequest('staff_replied'))).id,
  ];

  const down = await deliverDueMail(env.deps);
  expect(down.serverDown?.problem).toBe('refused');
  expect(down.outcomes.map((o) => o.status)).toEqual(['deferred', 'deferred']);
  const start = env.t.clock.now();
  for (const id of ids) {
    const row = await env.row(id);
    expect(row).toMatchObject({ status: 'deferred', attempts: 1, lease_until: null, leased_by: null });
    expect(row.last_error).toContain('ECONNREFUSED');
    expect(Number(row.next_attempt_at)).toBeGreaterThanOrEqual(start + 0.85 * minute);
    expect(Number(row.next_attempt_at)).toBeLessThanOrEqual(start + 1.15 * minute);
  }
  // Not due yet: nothing is tried.
  expect((await deliverDueMail(env.deps)).outcomes).toEqual([]);

  env.t.clock.advance(1.2 * minute);
  await deliverDueMail(env.deps);
  const second = await env.row(ids[0]!);
  expect(second).toMatchObject({ status: 'deferred', attempts: 2 });
  expect(Number(second.next_attempt_at) - env.t.clock.now()).toBeGreaterThanOrEqual(2 * 0.85 * minute);

  const back = await startSmtpSink({ port });
  try {
    env.t.clock.advance(3 * minute);
    const summary = await drainDueMail(env.deps);
    expect(summary).toMatchObject({ sent: 2, deferred: 0, failed: 0 });
    expect((await back.waitFor(2)).map((m) => m.to[0])).toEqual(['eve@example.com', 'eve@example.com']);
    for (const id of ids) expect(await env.row(id)).toMatchObject({ status: 'sent', attempts: 3 });
  } finally {
    await back.close();
  }
});

test('a permanent refusal of the recipient fails the mail at once; a temporary one defers it', async () => {
  sink.refuseRecipients((address) =>
    address.startsWith('gone@')
      ? { code: 550, message: '5.1.1 No such user here' }
      : address.startsWith('full@')
        ? { code: 452, message: '4.2.2 Mailbox full' }
        : null,
  );
  const gone = await env.queue(sampleRequest('ticket_received', { to: { address: 'gone@example.com' } }));
  const full = await env.queue(sampleRequest('ticket_received', { to: { address: 'full@example.com' } }));
  const fine = await env.queue(sampleRequest('ticket_received', { to: { address: 'fine@example.com' } }));
  const report = await deliverDueMail(env.deps);
  expect(report.serverDown).toBeNull();
  expect(await env.row(gone.id)).toMatchObject({ status: 'failed', attempts: 1 });
  expect((await env.row(gone.id)).last_error).toContain('No such user');
  expect(await env.row(full.id)).toMatchObject({ status: 'deferred', attempts: 1 });
  expect(await env.row(fine.id)).toMatchObject({ status: 'sent' });
  expect((await sink.waitFor(1)).map((m) => m.to)).toEqual([['fine@example.com']]);
});

test(`a mail that keeps failing is given up after ${deliveryPolicy.maxAttempts} attempts, and can be sent again`, async () => {
  sink.refuseRecipients(() => ({ code: 451, message: '4.3.0 Try again later' }));
  const { id } = await env.queue(sampleRequest('ticket_received'));
  const delays: number[] = [];
  for (let attempt = 1; attempt < deliveryPolicy.maxAttempts; attempt++) {
    await deliverDueMail(env.deps);
    const row = await env.row(id);
    expect(row).toMatchObject({ status: 'deferred', attempts: attempt });
    delays.push(Number(row.next_attempt_at) - env.t.clock.now());
    env.t.clock.advance(7 * 3600_000);
  }
  await deliverDueMail(env.deps);
  expect(await env.row(id)).toMatchObject({ status: 'failed', attempts: deliveryPolicy.maxAttempts });
  expect(Math.max(...delays)).toBeLessThanOrEqual(deliveryPolicy.maxRetryMs);
  expect(delays[delays.length - 1]).toBeGreaterThanOrEqual(0.85 * deliveryPolicy.maxRetryMs);
  expect(delays.slice(0, 5).every((d, i) => d >= 0.85 * minute * 2 ** i && d <= 1.15 * minute * 2 ** i)).toBe(true);

  env.t.clock.advance(7 * 3600_000);
  expect((await deliverDueMail(env.deps)).outcomes).toEqual([]);
  sink.refuseRecipients(null);
  expect(await requeueFailedMail(env.t.db, id, env.t.clock.now())).toBe(true);
  await deliverDueMail(env.deps);
  expect(await env.row(id)).toMatchObject({ status: 'sent' });
});

test('refused credentials only defer: the admin fixes the settings and the queue flows', async () => {
  const authSink = await startSmtpSink({ auth: { user: 'tessera', pass: 'right' } });
  try {
    await env.useSmtp(authSink.port, { 'mail.smtpUser': 'tessera', 'mail.smtpPassword': 'wrong' });
    const { id } = await env.queue(sampleRequest('ticket_received'));
    const report = await deliverDueMail(env.deps);
    expect(report.serverDown?.problem).toBe('auth');
    expect(await env.row(id)).toMatchObject({ status: 'deferred', attempts: 1 });
    await env.configure({ 'mail.smtpPassword': 'right' });
    env.t.clock.advance(2 * minute);
    await deliverDueMail(env.deps);
    expect(await env.row(id)).toMatchObject({ status: 'sent', attempts: 2 });
    expect(await authSink.waitFor(1)).toHaveLength(1);
  } finally {
    await authSink.close();
  }
});

test('a worker that dies after claiming leaves its short claim to run out; then the mail goes out once', async () => {
  const { id } = await env.queue(sampleRequest('ticket_received'));
  const now = env.t.clock.now();
  const claimed = await claimDueMail(env.t.db, {
    now,
    lease: { worker: 'crashed-worker', until: now + deliveryPolicy.claimLeaseMs },
    limit: 10,
  });
  expect(claimed.map((r) => Number(r.id))).toEqual([id]);
  expect((await deliverDueMail(env.deps)).outcomes).toEqual([]);
  env.t.clock.advance(deliveryPolicy.claimLeaseMs - 1000);
  expect((await deliverDueMail(env.deps)).outcomes).toEqual([]);
  env.t.clock.advance(2000);
  expect((await deliverDueMail(env.deps)).outcomes.map((o) => o.status)).toEqual(['sent']);
  expect(await sink.waitFor(1)).toHaveLength(1);
});

test('a stop request gives the rest of a batch back unsent', async () => {
  await env.queue(sampleRequest('ticket_received'));
  await env.queue(sampleRequest('ticket_received'));
  const stop = new AbortController();
  stop.abort();
  const report = await deliverDueMail(env.deps, { stopSignal: stop.signal });
  expect(report.outcomes.map((o) => o.status)).toEqual(['skipped', 'skipped']);
  const rows = await env.t.db('mail_outbox').select('status', 'attempts', 'lease_until', 'leased_by');
  expect(rows).toEqual([0, 1].map(() => ({ status: 'queued', attempts: 0, lease_until: null, leased_by: null })));
  expect((await drainDueMail(env.deps)).sent).toBe(2);
});

test('the log transport writes mail to a file in the data folder and sends nothing', async () => {
  await env.configure({ 'mail.transport': 'log' });
  const { emailMessageId } = await env.queue(sampleRequest('ticket_received', { text: 'Logged only' }));
  const report = await deliverDueMail(env.deps);
  const file = mailLogFile(env.t.config.paths.data);
  expect(report.outcomes).toEqual([{ id: expect.any(Number), status: 'sent', response: `written to ${file}` }]);
  const log = fs.readFileSync(file, 'utf8');
  expect(log).toMatch(/^From MAILER-DAEMON /);
  expect(log).toContain(`Message-ID: ${emailMessageId}`);
  expect(log).toContain('Logged only');
  expect(sink.received).toEqual([]);
});

test('a sent mail with a secret link keeps its headers and delivery state but not its text', async () => {
  const reset = await env.queue(sampleRequest('staff_password_reset'));
  const invite = await env.queue(sampleRequest('staff_invite'));
  const forgot = await env.queue(sampleRequest('forgot_tracking'));
  const ordinary = await env.queue(sampleRequest('ticket_received'));
  expect((await env.row(reset.id)).body_text).toContain('/admin/reset/');
  expect((await drainDueMail(env.deps)).sent).toBe(4);
  const received = await sink.waitFor(4);
  expect(received.find((m) => m.parsed.messageId === reset.emailMessageId)!.parsed.text).toContain(
    'https://help.acme.test/admin/reset/AAAA',
  );
  for (const mail of [reset, invite, forgot]) {
    const row = await env.row(mail.id);
    expect(row).toMatchObject({
      status: 'sent',
      body_text: removedBodyNote,
      body_html: null,
      email_message_id: mail.emailMessageId,
      to_address: 'eve@example.com',
    });
    expect(row.subject).not.toBe('');
    expect(JSON.stringify(row)).not.toMatch(/\/admin\/(reset|invite)\/|token=/);
  }
  expect((await env.row(ordinary.id)).body_text).toContain('Printer on fire');
});
