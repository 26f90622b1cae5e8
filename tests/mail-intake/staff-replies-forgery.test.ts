import { endStaffSessions } from '../../src/staff/staff.repo';
import { claimedStaffReply, staffReplyAddress } from '../../src/staff-mail/reply-address';
import { csrfFrom, useInstalledApp, type InstalledApp } from '../helpers/installed-app';
import { adminAgent } from '../helpers/staff-admin';
import { pipeOrigin, simpleMail } from '../helpers/mail-intake';
import { delivered, dkimDomain, dkimSigned, importWithDns, resolverFor } from '../helpers/staff-mail';

/** Everything an attacker who learned a signed staff reply address (a forwarded notice, an archive) could try. */
let t: InstalledApp;
useInstalledApp((app) => (t = app), { freshRateLimits: true });
const ada = { id: 1, email: 'ada@example.com' };
const exampleCom = dkimDomain('example.com');
const evil = dkimDomain('evil.example.net');
const dns = resolverFor(exampleCom, evil);
const dayMs = 86_400_000;

beforeEach(async () => {
  await t.services.settings.save({ 'mail.staffReplies': true, 'mail.trustedAuthServId': '' });
});

const importMail = (raw: Buffer, origin = pipeOrigin) => importWithDns(t, dns, raw, origin);
const messages = (ticketId: number) =>
  t.db('messages').where({ ticket_id: ticketId }).orderBy('id').select('kind', 'staff_id', 'body');
const staffMessages = async (ticketId: number) => (await messages(ticketId)).filter((m) => m.kind === 'staff');
const keyVersion = async (staffId: number) =>
  Number((await t.db('staff_users').where({ id: staffId }).first('reply_key_version')).reply_key_version);

async function customerTicket() {
  const result = await importMail(simpleMail({ from: 'carol@example.org', subject: 'Invoice is wrong' }));
  return result.ticketId!;
}
async function addressFor(ticketId: number, issued = t.clock.now(), version?: number) {
  return staffReplyAddress(
    t.config.secrets.signing,
    'help@example.com',
    { ticketId, staffId: ada.id, version: version ?? (await keyVersion(ada.id)) },
    issued,
  )!;
}
const adaWrites = (to: string, extra: Partial<Parameters<typeof simpleMail>[0]> = {}) =>
  simpleMail({ from: `Ada <${ada.email}>`, to, body: 'Refund approved.', ...extra });

async function expectRefused(result: Awaited<ReturnType<typeof importMail>>, reason: string, ticketId: number) {
  expect(result).toMatchObject({ outcome: 'kept_aside', reason });
  const audit = await t
    .db('audit_log')
    .where({ action: 'mail_staff_reply_refused', target_id: String(ticketId) })
    .orderBy('id', 'desc')
    .first('details');
  expect(JSON.parse(audit.details)).toMatchObject({ reason, staffId: ada.id });
  expect(await staffMessages(ticketId)).toEqual([]);
}

describe('sender authentication (DKIM aligned with From)', () => {
  test('signed by the From domain → accepted; unsigned, signed by another domain, altered after signing, or with a body length limit → refused', async () => {
    const ticketId = await customerTicket();
    const to = await addressFor(ticketId);
    await expectRefused(await importMail(delivered(adaWrites(to), to)), 'staff_reply_unauthenticated', ticketId);
    await expectRefused(
      await importMail(delivered(await dkimSigned(adaWrites(to), evil), to)),
      'staff_reply_unauthenticated',
      ticketId,
    );
    const altered = Buffer.from(
      (await dkimSigned(adaWrites(to), exampleCom)).toString().replace('Refund approved.', 'Refund refused.'),
    );
    await expectRefused(await importMail(delivered(altered, to)), 'staff_reply_unauthenticated', ticketId);
    // l= covers only the signed prefix: whatever is appended would pass a lax verifier.
    const limited = await dkimSigned(adaWrites(to), exampleCom, { bodyLength: 10 });
    await expectRefused(
      await importMail(delivered(Buffer.concat([limited, Buffer.from('Also: wire 5000 EUR.\r\n')]), to)),
      'staff_reply_unauthenticated',
      ticketId,
    );
    // A key nobody published (DNS says no) is no pass either.
    const unpublished = dkimDomain('example.com', 'other');
    await expectRefused(
      await importMail(delivered(await dkimSigned(adaWrites(to), unpublished), to)),
      'staff_reply_unauthenticated',
      ticketId,
    );
    const detail = (await t.db('inbound_mails').orderBy('id', 'desc').first('detail')).detail as string;
    expect(detail).toContain('ada@example.com');

    expect(await importMail(delivered(await dkimSigned(adaWrites(to), exampleCom), to))).toMatchObject({
      outcome: 'replied',
      ticketId,
      reason: 'staff_reply',
    });
    expect(await staffMessages(ticketId)).toEqual([{ kind: 'staff', staff_id: ada.id, body: 'Refund approved.' }]);
  });

  test("a genuinely signed answer to one ticket, delivered again to another ticket's address, is refused (the signature must cover the address)", async () => {
    const first = await customerTicket();
    const second = await customerTicket();
    const signedForFirst = await dkimSigned(adaWrites(await addressFor(first), { body: 'Closing this.' }), exampleCom);
    const secondAddress = await addressFor(second);
    await expectRefused(
      await importMail(delivered(signedForFirst, secondAddress)),
      'staff_reply_unauthenticated',
      second,
    );
  });

  test("a trusted Authentication-Results counts only when it is the topmost one and carries our server's name", async () => {
    const ticketId = await customerTicket();
    const to = await addressFor(ticketId);
    const verdict = (id: string) =>
      `Authentication-Results: ${id}; dkim=pass header.d=example.com header.s=mail; dmarc=pass (p=REJECT) header.from=example.com`;
    const withHeaders = (...lines: string[]) =>
      delivered(
        Buffer.concat([Buffer.from(lines.map((l) => `${l}\r\n`).join('')), adaWrites(to, { body: lines.join(' ') })]),
        to,
      );
    // Not configured: a header alone proves nothing.
    await expectRefused(
      await importMail(withHeaders(verdict('mx.help.example'))),
      'staff_reply_unauthenticated',
      ticketId,
    );
    await t.services.settings.save({ 'mail.trustedAuthServId': 'mx.help.example' });
    await expectRefused(
      await importMail(withHeaders(verdict('mx.attacker.example'))),
      'staff_reply_unauthenticated',
      ticketId,
    );
    // Ours says fail on top; the sender's own "pass" further down does not count.
    await expectRefused(
      await importMail(
        withHeaders(
          'Authentication-Results: mx.help.example; dkim=none; dmarc=fail header.from=example.com',
          verdict('mx.help.example'),
        ),
      ),
      'staff_reply_unauthenticated',
      ticketId,
    );
    await expectRefused(
      await importMail(withHeaders('Authentication-Results: mx.help.example; dkim=pass header.d=evil.example.net')),
      'staff_reply_unauthenticated',
      ticketId,
    );
    expect(await importMail(withHeaders(verdict('MX.help.example')))).toMatchObject({ outcome: 'replied', ticketId });
  });
});

describe('the signed address counts only as the envelope recipient', () => {
  test('To or Cc alone, or a Delivered-To the sender wrote below the Received lines, is not a staff answer', async () => {
    const ticketId = await customerTicket();
    const to = await addressFor(ticketId);
    const signed = await dkimSigned(adaWrites(to, { headers: [`Cc: ${to}`, `Delivered-To: ${to}`] }), exampleCom);
    const result = await importMail(delivered(signed, 'help@example.com'));
    expect(result.reason ?? '').not.toMatch(/^staff_reply/);
    expect(await staffMessages(ticketId)).toEqual([]);
  });

  test("the topmost Delivered-To of our server, or the pipe's --recipient, is; --recipient wins over the headers", async () => {
    const ticketId = await customerTicket();
    const to = await addressFor(ticketId);
    const signed = await dkimSigned(adaWrites(to, { body: 'Via the pipe.' }), exampleCom);
    const viaHeaders = await dkimSigned(adaWrites(to, { body: 'Via the header.' }), exampleCom);
    expect(await importMail(signed, { ...pipeOrigin, recipient: to.toUpperCase() })).toMatchObject({
      outcome: 'replied',
      ticketId,
    });
    expect(
      await importMail(delivered(viaHeaders, to), { ...pipeOrigin, recipient: 'help@example.com' }),
    ).not.toMatchObject({ outcome: 'replied', ticketId });
    expect((await staffMessages(ticketId)).map((m) => m.body)).toEqual(['Via the pipe.']);
    expect(
      (await t.db('inbound_mails').whereNotNull('envelope_recipient').orderBy('id').pluck('envelope_recipient')).slice(
        -2,
      ),
    ).toEqual([to, 'help@example.com']);
  });

  test('a tag on an address that is not our reply address is ignored', () => {
    const ours = 'help+t1s1d20000v0.abcdefghijklmnopqrst@example.com';
    expect(claimedStaffReply([ours], ['help@example.com'])).toMatchObject({
      ticketId: 1,
      staffId: 1,
      day: 20000,
      version: 0,
    });
    expect(
      claimedStaffReply(['help+t1s1d20000v0.abcdefghijklmnopqrst@evil.example.net'], ['help@example.com']),
    ).toBeNull();
    expect(claimedStaffReply(['sales+t1s1d20000v0.abcdefghijklmnopqrst@example.com'], ['help@example.com'])).toBeNull();
    expect(claimedStaffReply([ours], ['Help+Old@EXAMPLE.com'])).not.toBeNull();
  });
});

describe('addresses expire and can be revoked; a replay is posted once', () => {
  test('an address issued 31 days ago has expired, one of 29 days still works', async () => {
    const ticketId = await customerTicket();
    const old = await addressFor(ticketId, t.clock.now() - 31 * dayMs);
    await expectRefused(
      await importMail(delivered(await dkimSigned(adaWrites(old), exampleCom), old)),
      'staff_reply_expired',
      ticketId,
    );
    const recent = await addressFor(ticketId, t.clock.now() - 29 * dayMs);
    expect(await importMail(delivered(await dkimSigned(adaWrites(recent), exampleCom), recent))).toMatchObject({
      outcome: 'replied',
      ticketId,
    });
  });

  test('a password change or deactivation (anything that ends the sessions) kills the addresses handed out before', async () => {
    const ticketId = await customerTicket();
    const before = await addressFor(ticketId);
    const version = await keyVersion(ada.id);
    await endStaffSessions(t.db, ada.id, t.clock.now());
    expect(await keyVersion(ada.id)).toBe(version + 1);
    await expectRefused(
      await importMail(delivered(await dkimSigned(adaWrites(before), exampleCom), before)),
      'staff_reply_revoked',
      ticketId,
    );
    const after = await addressFor(ticketId);
    // The reason in the expectation makes a failure say which check kept the answer aside.
    expect(await importMail(delivered(await dkimSigned(adaWrites(after), exampleCom), after))).toMatchObject({
      outcome: 'replied',
      reason: 'staff_reply',
      ticketId,
    });
  });

  test('the same answer under a new Message-ID within 10 minutes is refused as a replay; later, or another text, is posted', async () => {
    const ticketId = await customerTicket();
    const to = await addressFor(ticketId);
    const send = async (body: string) =>
      importMail(delivered(await dkimSigned(adaWrites(to, { body }), exampleCom), to));
    expect(await send('Done.')).toMatchObject({ outcome: 'replied' });
    const replay = await send('Done.');
    expect(replay).toMatchObject({ outcome: 'kept_aside', reason: 'staff_reply_replayed' });
    expect(await t.db('inbound_mails').where({ id: replay.inboundId }).first('status')).toEqual({ status: 'failed' });
    expect(await send('Done, and one more thing.')).toMatchObject({ outcome: 'replied' });
    t.clock.advance(11 * 60_000);
    expect(await send('Done.')).toMatchObject({ outcome: 'replied' });
    expect((await staffMessages(ticketId)).map((m) => m.body)).toEqual(['Done.', 'Done, and one more thing.', 'Done.']);
  });

  /** A staff answer our server authenticated (its Authentication-Results), with files attached. */
  function answerWithFiles(
    to: string,
    body: string,
    files: Array<{ name: string; content: string }>,
    subject = 'Re: Invoice is wrong',
  ) {
    const boundary = 'b-' + Math.random().toString(36).slice(2);
    const parts = [
      `--${boundary}`,
      'Content-Type: text/plain; charset=utf-8',
      '',
      body,
      '',
      ...files.flatMap((f) => [
        `--${boundary}`,
        `Content-Type: text/plain; name="${f.name}"`,
        `Content-Disposition: attachment; filename="${f.name}"`,
        'Content-Transfer-Encoding: base64',
        '',
        Buffer.from(f.content).toString('base64'),
        '',
      ]),
      `--${boundary}--`,
      '',
    ];
    const head = [
      'Authentication-Results: mx.help.example; dkim=pass header.d=example.com; dmarc=pass header.from=example.com',
      `From: Ada <${ada.email}>`,
      `To: ${to}`,
      `Subject: ${subject}`,
      'Date: Mon, 07 Dec 2026 08:00:00 +0000',
      `Message-ID: <${Math.random().toString(36).slice(2)}@example.com>`,
      'MIME-Version: 1.0',
      `Content-Type: multipart/mixed; boundary="${boundary}"`,
      '',
    ];
    return delivered(Buffer.from([...head, ...parts].join('\r\n')), to);
  }
  const attachedNames = async (ticketId: number) =>
    (
      await t
        .db('attachments')
        .join('messages', 'messages.id', 'attachments.message_id')
        .where('messages.ticket_id', ticketId)
        .where('messages.kind', 'staff')
        .orderBy('attachments.id')
        .select('attachments.file_name')
    ).map((r) => r.file_name);

  test('two genuine answers with the same text but other files (or another subject) are both posted; the same files again are a replay', async () => {
    await t.services.settings.save({ 'mail.trustedAuthServId': 'mx.help.example' });
    const ticketId = await customerTicket();
    const to = await addressFor(ticketId);
    expect(
      await importMail(answerWithFiles(to, 'See attached.', [{ name: 'invoice-1.txt', content: 'first invoice' }])),
    ).toMatchObject({ outcome: 'replied', ticketId });
    expect(
      await importMail(answerWithFiles(to, 'See attached.', [{ name: 'invoice-2.txt', content: 'second invoice' }])),
    ).toMatchObject({ outcome: 'replied', ticketId });
    // The same name but other bytes is another file; the same text without files another answer.
    expect(
      await importMail(answerWithFiles(to, 'See attached.', [{ name: 'invoice-1.txt', content: 'corrected invoice' }])),
    ).toMatchObject({ outcome: 'replied', ticketId });
    expect(await importMail(answerWithFiles(to, 'See attached.', [], 'Re: Your other question'))).toMatchObject({
      outcome: 'replied',
      ticketId,
    });
    expect(
      await importMail(answerWithFiles(to, 'See attached.', [{ name: 'invoice-2.txt', content: 'second invoice' }])),
    ).toMatchObject({ outcome: 'kept_aside', reason: 'staff_reply_replayed' });
    expect((await staffMessages(ticketId)).map((m) => m.body)).toEqual([
      'See attached.',
      'See attached.',
      'See attached.',
      'See attached.',
    ]);
    expect(await attachedNames(ticketId)).toEqual(['invoice-1.txt', 'invoice-2.txt', 'invoice-1.txt']);
  });

  test('a refused replay is kept aside with its raw mail, audited, and staff can post it with "Retry" on /admin/mail/inbound', async () => {
    await t.services.settings.save({ 'mail.trustedAuthServId': 'mx.help.example' });
    const ticketId = await customerTicket();
    const to = await addressFor(ticketId);
    expect(await importMail(answerWithFiles(to, 'Thanks!', []))).toMatchObject({ outcome: 'replied' });
    const replay = await importMail(answerWithFiles(to, 'Thanks!', []));
    expect(replay).toMatchObject({ outcome: 'kept_aside', reason: 'staff_reply_replayed', ticketId: null });
    const row = await t.db('inbound_mails').where({ id: replay.inboundId }).first('status', 'reason', 'raw_key');
    expect(row).toMatchObject({ status: 'failed', reason: 'staff_reply_replayed' });
    expect(row.raw_key).toEqual(expect.any(String));
    const audit = await t
      .db('audit_log')
      .where({ action: 'mail_staff_reply_refused', target_id: String(ticketId) })
      .orderBy('id', 'desc')
      .first('details');
    expect(JSON.parse(audit.details)).toMatchObject({ reason: 'staff_reply_replayed', staffId: ada.id });
    expect(await staffMessages(ticketId)).toHaveLength(1);

    const admin = await adminAgent(t);
    const page = await admin.get(`/admin/mail/inbound/${replay.inboundId}`).expect(200);
    expect(page.text).toContain('retry it if it is a second answer');
    const raw = await admin.get(`/admin/mail/inbound/${replay.inboundId}/raw`).expect(200);
    expect(raw.text).toContain('Thanks!');
    const token = csrfFrom(page.text);
    await admin.post(`/admin/mail/inbound/${replay.inboundId}/retry`).type('form').send({}).expect(403);
    expect(await staffMessages(ticketId)).toHaveLength(1);
    // Still within the 10 minutes: the retry is staff's decision that it is a second answer.
    await admin.post(`/admin/mail/inbound/${replay.inboundId}/retry`).type('form').send({ _csrf: token }).expect(303);
    expect(await t.db('inbound_mails').where({ id: replay.inboundId }).first('status', 'ticket_id')).toEqual({
      status: 'imported',
      ticket_id: ticketId,
    });
    expect((await staffMessages(ticketId)).map((m) => m.body)).toEqual(['Thanks!', 'Thanks!']);
    await admin.post(`/admin/mail/inbound/${replay.inboundId}/retry`).type('form').send({ _csrf: token }).expect(404); // posted once
    // The retried answer starts the window again: a third copy is a replay like the second.
    expect(await importMail(answerWithFiles(to, 'Thanks!', []))).toMatchObject({
      outcome: 'kept_aside',
      reason: 'staff_reply_replayed',
    });
    expect(await staffMessages(ticketId)).toHaveLength(2);
  });

  test('two copies of one answer imported at the same moment post it once', async () => {
    const ticketId = await customerTicket();
    const to = await addressFor(ticketId);
    const copy = async () => delivered(await dkimSigned(adaWrites(to, { body: 'At once.' }), exampleCom), to);
    const [a, b] = [await copy(), await copy()];
    const results = await Promise.all([importMail(a), importMail(b)]);
    expect(results.filter((r) => r.outcome === 'replied')).toHaveLength(1);
    expect((await staffMessages(ticketId)).map((m) => m.body)).toEqual(['At once.']);
  });

  test('the tag keeps the local part within 64 characters, and a reply address too long for it gets none', () => {
    const now = Date.UTC(2026, 11, 7);
    const address = staffReplyAddress(
      's'.repeat(40),
      'support-team@example.com',
      { ticketId: 999_999_999, staffId: 99_999, version: 9_999 },
      now,
    )!;
    expect(address.split('@')[0]!.length).toBeLessThanOrEqual(64);
    expect(
      staffReplyAddress(
        's'.repeat(40),
        `${'x'.repeat(30)}@example.com`,
        { ticketId: 999_999_999, staffId: 99_999, version: 9_999 },
        now,
      ),
    ).toBeNull();
  });
});
