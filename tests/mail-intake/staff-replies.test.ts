import { deliverDueMail } from '../../src/jobs/mail-delivery';
import { staffReplyAddress } from '../../src/staff-mail/reply-address';
import { formatTrackingId } from '../../src/tickets/tracking-id';
import { useInstalledApp, type InstalledApp } from '../helpers/installed-app';
import { outbox, simpleMail } from '../helpers/mail-intake';
import { startSmtpSink } from '../helpers/smtp-sink';
import { delivered, dkimDomain, dkimSigned, importWithDns, resolverFor } from '../helpers/staff-mail';

let t: InstalledApp;
useInstalledApp((app) => (t = app), { freshRateLimits: true });
const secret = () => t.config.secrets.signing;
const ada = { id: 1, email: 'ada@example.com' };
let sam: { id: number; email: string };
const exampleCom = dkimDomain('example.com');
const dns = resolverFor(exampleCom);

beforeAll(async () => {
  sam = {
    id: Number((await t.db('staff_users').where({ email: 'sam@example.com' }).first('id')).id),
    email: 'sam@example.com',
  };
});
beforeEach(async () => {
  await t.db('mail_outbox').del();
  await t.services.settings.save({ 'mail.staffReplies': true });
});

const importMail = (raw: Buffer) => importWithDns(t, dns, raw);

async function customerTicket(from = 'carol@example.org') {
  const result = await importMail(simpleMail({ from, subject: 'Invoice is wrong' }));
  expect(result.outcome).toBe('created');
  return result.ticketId!;
}

const messages = (ticketId: number) =>
  t.db('messages').where({ ticket_id: ticketId }).orderBy('id').select('kind', 'staff_id', 'body');
const keyVersion = async (staffId: number) =>
  Number((await t.db('staff_users').where({ id: staffId }).first('reply_key_version')).reply_key_version);
async function addressFor(ticketId: number, staffId: number) {
  return staffReplyAddress(
    secret(),
    'help@example.com',
    { ticketId, staffId, version: await keyVersion(staffId) },
    t.clock.now(),
  )!;
}

/** A mail as the staff member's own server signs it and ours delivers it to `envelope` (the To by default). */
async function signedMail(opts: Parameters<typeof simpleMail>[0] & { envelope?: string }) {
  return delivered(await dkimSigned(simpleMail(opts), exampleCom), opts.envelope ?? opts.to!);
}

async function expectKeptAside(result: Awaited<ReturnType<typeof importMail>>, reason: string, ticketId: number) {
  expect(result).toMatchObject({ outcome: 'kept_aside', reason, ticketId: null });
  expect(await t.db('inbound_mails').where({ id: result.inboundId }).first('status', 'reason')).toEqual({
    status: 'failed',
    reason,
  });
  const audit = await t
    .db('audit_log')
    .where({ action: 'mail_staff_reply_refused', target_id: String(ticketId) })
    .orderBy('id', 'desc')
    .first('details');
  expect(JSON.parse(audit.details).reason).toBe(reason);
  // Never a customer's ticket, nor a message on the ticket it named.
  expect(await messages(ticketId)).toHaveLength(1);
}

const trackingOf = async (ticketId: number) =>
  formatTrackingId((await t.db('tickets').where({ id: ticketId }).first('tracking_id')).tracking_id);

/** The customer answering their ticket's mail with reply-all, so the staff address is among the recipients. */
async function customerReplyAll(ticketId: number, to: string) {
  return importMail(
    delivered(
      simpleMail({
        from: 'carol@example.org',
        to: `help@example.com, ${to}`,
        subject: `Re: [#${await trackingOf(ticketId)}] Invoice`,
      }),
      to,
    ),
  );
}

/** A customer's mail to such an address is ordinary mail: their reply on their ticket. */
async function expectCustomerReply(result: Awaited<ReturnType<typeof importMail>>, ticketId: number) {
  expect(result).toMatchObject({ outcome: 'replied', ticketId, reason: null });
  expect((await messages(ticketId)).at(-1)).toMatchObject({ kind: 'customer', staff_id: null });
}

test('a staff notice is stored without its signed Reply-To, gets it when sent, and the DKIM-signed answer from that address is their reply; the customer is mailed', async () => {
  const sink = await startSmtpSink();
  await t.services.settings.save({
    'mail.transport': 'smtp',
    'mail.smtpHost': '127.0.0.1',
    'mail.smtpPort': sink.port,
    'mail.smtpSecurity': 'none',
  });
  try {
    const ticketId = await customerTicket();
    const notice = await t
      .db('mail_outbox')
      .where({ template: 'staff_new_ticket', to_address: ada.email })
      .first('headers', 'body_text');
    // Whoever reads the outbox table learns no working address: only whom to sign it for.
    expect(JSON.parse(notice.headers)).toMatchObject({ staffReplyFor: ada.id });
    expect(notice.headers).not.toContain('+t');
    expect(notice.body_text).toContain('reply above this line -##');
    expect(notice.body_text).toContain('Answer this e-mail to reply to the customer');
    await deliverDueMail(t.services);
    const sent = (await sink.waitFor(2)).find((m) => m.to.includes(ada.email))!;
    const replyTo = sent.parsed.replyTo!.value[0]!.address!;
    expect(replyTo).toBe(await addressFor(ticketId, ada.id));
    expect(replyTo).toMatch(/^help\+t\d+s1d\d+v\d+\.[a-z2-7]{20}@example\.com$/);
    expect(replyTo.split('@')[0]!.length).toBeLessThanOrEqual(64);
    await t.db('mail_outbox').del();

    const tracking = await trackingOf(ticketId);
    const body = `We corrected the invoice.\n\nOn Monday the help desk wrote:\n> ${String(notice.body_text).split('\n').slice(0, 3).join('\n> ')}`;
    const result = await importMail(
      await signedMail({
        from: 'Ada Admin <ADA@Example.com>',
        to: replyTo.toUpperCase(),
        subject: `Re: [#${tracking}] New ticket`,
        body,
      }),
    );
    expect(result).toMatchObject({ outcome: 'replied', ticketId, reason: 'staff_reply' });
    const last = (await messages(ticketId)).at(-1)!;
    expect({ ...last, staff_id: Number(last.staff_id) }).toEqual({
      kind: 'staff',
      staff_id: ada.id,
      body: 'We corrected the invoice.',
    });
    expect((await outbox(t)).filter((m) => m.template === 'staff_replied').map((m) => m.to_address)).toEqual([
      'carol@example.org',
    ]);
  } finally {
    await t.services.settings.save({ 'mail.transport': 'log' });
    await sink.close();
  }
});

test("no signed Reply-To on staff notices while the setting is off; staff mail to such an address is kept aside, a customer's is threaded as usual", async () => {
  const ticketId = await customerTicket();
  const to = await addressFor(ticketId, ada.id);
  await t.services.settings.save({ 'mail.staffReplies': false });
  const other = await customerTicket('dora@example.org');
  const notice = await t
    .db('mail_outbox')
    .where({ template: 'staff_new_ticket', to_address: ada.email, ticket_id: other })
    .first('headers', 'body_text');
  expect(JSON.parse(notice.headers).staffReplyFor).toBeUndefined();
  expect(notice.body_text).not.toContain('Answer this e-mail');
  await expectKeptAside(await importMail(await signedMail({ from: ada.email, to })), 'staff_reply_off', ticketId);
  await expectCustomerReply(await customerReplyAll(ticketId, to), ticketId);
});

test('a forged signature from a staff address is kept aside; the customer replying to all with it is their reply', async () => {
  const ticketId = await customerTicket();
  const genuine = await addressFor(ticketId, ada.id);
  const forged = genuine.replace(/[a-z2-7]{4}@/, 'aaaa@');
  await expectKeptAside(
    await importMail(await signedMail({ from: ada.email, to: forged })),
    'staff_reply_bad_signature',
    ticketId,
  );
  const otherTicket = genuine.replace(`+t${ticketId}s`, `+t${ticketId + 1000}s`);
  expect(await importMail(await signedMail({ from: ada.email, to: otherTicket }))).toMatchObject({
    outcome: 'kept_aside',
    reason: 'staff_reply_bad_signature',
  });
  await expectCustomerReply(await customerReplyAll(ticketId, forged), ticketId);
});

test("another staff member answering at someone else's address is refused; the customer writing to it is threaded to their ticket", async () => {
  const ticketId = await customerTicket();
  const to = await addressFor(ticketId, ada.id);
  await expectKeptAside(
    await importMail(await signedMail({ from: sam.email, to })),
    'staff_reply_wrong_sender',
    ticketId,
  );
  await expectCustomerReply(await customerReplyAll(ticketId, to), ticketId);
});

test('a member without access to the ticket, and a deactivated one, are refused; with access the answer is theirs', async () => {
  const ticketId = await customerTicket();
  const to = await addressFor(ticketId, sam.id);
  await expectKeptAside(await importMail(await signedMail({ from: sam.email, to })), 'staff_reply_no_access', ticketId);
  const categoryId = (await t.db('tickets').where({ id: ticketId }).first('category_id')).category_id;
  await t.db('staff_categories').insert({ staff_id: sam.id, category_id: categoryId });
  await t.db('staff_users').where({ id: sam.id }).update({ is_active: false });
  try {
    await expectKeptAside(
      await importMail(await signedMail({ from: sam.email, to })),
      'staff_reply_inactive',
      ticketId,
    );
  } finally {
    await t.db('staff_users').where({ id: sam.id }).update({ is_active: true });
  }
  expect(await importMail(await signedMail({ from: sam.email, to, body: 'Sam here.' }))).toMatchObject({
    outcome: 'replied',
    ticketId,
  });
  expect((await messages(ticketId)).at(-1)).toMatchObject({ kind: 'staff', body: 'Sam here.' });
  await t.db('staff_categories').where({ staff_id: sam.id }).del();
});

test('loop guards still apply: an auto-reply to the staff address is refused, not added', async () => {
  const ticketId = await customerTicket();
  const to = await addressFor(ticketId, ada.id);
  const result = await importMail(await signedMail({ from: ada.email, to, headers: ['Auto-Submitted: auto-replied'] }));
  expect(result).toMatchObject({ outcome: 'refused', reason: 'auto_reply' });
  expect(await messages(ticketId)).toHaveLength(1);
});
