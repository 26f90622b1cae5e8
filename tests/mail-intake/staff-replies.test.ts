import { useInstalledApp, type InstalledApp } from '../helpers/installed-app';
import { importMail, outbox, simpleMail } from '../helpers/mail-intake';
import { staffReplyAddress } from '../../src/staff-mail/reply-address';
import { formatTrackingId } from '../../src/tickets/tracking-id';

let t: InstalledApp;
useInstalledApp((app) => (t = app), { freshRateLimits: true });
const secret = () => t.config.secrets.signing;
const ada = { id: 1, email: 'ada@example.com' };
let sam: { id: number; email: string };

beforeAll(async () => {
  sam = { id: Number((await t.db('staff_users').where({ email: 'sam@example.com' }).first('id')).id), email: 'sam@example.com' };
});
beforeEach(async () => {
  await t.db('mail_outbox').del();
  await t.services.settings.save({ 'mail.staffReplies': true });
});

async function customerTicket(from = 'carol@example.org') {
  const result = await importMail(t, simpleMail({ from, subject: 'Invoice is wrong' }));
  expect(result.outcome).toBe('created');
  return result.ticketId!;
}

const messages = (ticketId: number) => t.db('messages').where({ ticket_id: ticketId }).orderBy('id').select('kind', 'staff_id', 'body');
const addressFor = (ticketId: number, staffId: number) => staffReplyAddress(secret(), 'help@example.com', ticketId, staffId);

async function expectKeptAside(result: Awaited<ReturnType<typeof importMail>>, reason: string, ticketId: number) {
  expect(result).toMatchObject({ outcome: 'kept_aside', reason, ticketId: null });
  expect(await t.db('inbound_mails').where({ id: result.inboundId }).first('status', 'reason')).toEqual({ status: 'failed', reason });
  const audit = await t.db('audit_log').where({ action: 'mail_staff_reply_refused', target_id: String(ticketId) }).orderBy('id', 'desc').first('details');
  expect(JSON.parse(audit.details).reason).toBe(reason);
  // Never a customer's ticket, nor a message on the ticket it named.
  expect(await messages(ticketId)).toHaveLength(1);
}

test('a staff notice carries a Reply-To signed for that ticket and that person; the answer from their address is their reply, quote cut, and the customer is mailed', async () => {
  const ticketId = await customerTicket();
  const notice = await t.db('mail_outbox').where({ template: 'staff_new_ticket', to_address: ada.email }).first('headers');
  const replyTo = JSON.parse(notice.headers).replyTo as string;
  expect(replyTo).toBe(addressFor(ticketId, ada.id));
  expect(replyTo).toMatch(/^help\+t\d+\.s1\.[0-9a-f]{24}@example\.com$/);
  // The notice says where the answer goes, above the marker the quote cut stops at.
  const text = String((await t.db('mail_outbox').where({ template: 'staff_new_ticket', to_address: ada.email }).first('body_text')).body_text);
  expect(text).toContain('reply above this line -##');
  expect(text).toContain('Answer this e-mail to reply to the customer');
  await t.db('mail_outbox').del();
  const tracking = formatTrackingId((await t.db('tickets').where({ id: ticketId }).first('tracking_id')).tracking_id);
  const body = `We corrected the invoice.\n\nOn Monday the help desk wrote:\n> ${text.split('\n').slice(0, 3).join('\n> ')}`;
  const result = await importMail(t, simpleMail({ from: 'Ada Admin <ADA@Example.com>', to: replyTo.toUpperCase(), subject: `Re: [#${tracking}] New ticket`, body }));
  expect(result).toMatchObject({ outcome: 'replied', ticketId });
  const last = (await messages(ticketId)).at(-1)!;
  expect({ ...last, staff_id: Number(last.staff_id) }).toEqual({ kind: 'staff', staff_id: ada.id, body: 'We corrected the invoice.' });
  expect((await outbox(t)).filter((m) => m.template === 'staff_replied').map((m) => m.to_address)).toEqual(['carol@example.org']);
});

test('no Reply-To of ours on staff notices while the setting is off, and a mail to such an address is kept aside', async () => {
  await t.services.settings.save({ 'mail.staffReplies': false });
  const ticketId = await customerTicket();
  const notice = await t.db('mail_outbox').where({ template: 'staff_new_ticket', to_address: ada.email }).first('headers', 'body_text');
  expect(JSON.parse(notice.headers).replyTo).toBeUndefined();
  expect(notice.body_text).not.toContain('Answer this e-mail');
  await expectKeptAside(await importMail(t, simpleMail({ from: ada.email, to: addressFor(ticketId, ada.id) })), 'staff_reply_off', ticketId);
});

test('a forged signature is kept aside, never a ticket', async () => {
  const ticketId = await customerTicket();
  const forged = addressFor(ticketId, ada.id).replace(/[0-9a-f]{4}@/, '0000@');
  await expectKeptAside(await importMail(t, simpleMail({ from: ada.email, to: forged })), 'staff_reply_bad_signature', ticketId);
  const otherTicket = addressFor(ticketId, ada.id).replace(`+t${ticketId}.`, `+t${ticketId + 1000}.`);
  const result = await importMail(t, simpleMail({ from: ada.email, to: `someone@example.org, ${otherTicket}` }));
  expect(result).toMatchObject({ outcome: 'kept_aside', reason: 'staff_reply_bad_signature' });
});

test("another staff member's address, and the customer writing to a staff address, are refused as the wrong sender", async () => {
  const ticketId = await customerTicket();
  await expectKeptAside(await importMail(t, simpleMail({ from: sam.email, to: addressFor(ticketId, ada.id) })), 'staff_reply_wrong_sender', ticketId);
  await expectKeptAside(await importMail(t, simpleMail({ from: 'carol@example.org', to: addressFor(ticketId, ada.id) })), 'staff_reply_wrong_sender', ticketId);
  // In Cc or only in the delivery header, it is still recognised.
  const cc = await importMail(t, simpleMail({ from: 'carol@example.org', headers: [`Cc: ${addressFor(ticketId, ada.id)}`] }));
  expect(cc).toMatchObject({ outcome: 'kept_aside', reason: 'staff_reply_wrong_sender' });
  const delivered = await importMail(t, simpleMail({ from: 'carol@example.org', headers: [`Delivered-To: ${addressFor(ticketId, ada.id)}`] }));
  expect(delivered).toMatchObject({ outcome: 'kept_aside', reason: 'staff_reply_wrong_sender' });
});

test('a member without access to the ticket, and a deactivated one, are refused; with access the answer is theirs', async () => {
  const ticketId = await customerTicket();
  const to = addressFor(ticketId, sam.id);
  await expectKeptAside(await importMail(t, simpleMail({ from: sam.email, to })), 'staff_reply_no_access', ticketId);
  const categoryId = (await t.db('tickets').where({ id: ticketId }).first('category_id')).category_id;
  await t.db('staff_categories').insert({ staff_id: sam.id, category_id: categoryId });
  await t.db('staff_users').where({ id: sam.id }).update({ is_active: false });
  try {
    await expectKeptAside(await importMail(t, simpleMail({ from: sam.email, to })), 'staff_reply_inactive', ticketId);
  } finally {
    await t.db('staff_users').where({ id: sam.id }).update({ is_active: true });
  }
  expect(await importMail(t, simpleMail({ from: sam.email, to, body: 'Sam here.' }))).toMatchObject({ outcome: 'replied', ticketId });
  expect((await messages(ticketId)).at(-1)).toMatchObject({ kind: 'staff', body: 'Sam here.' });
  await t.db('staff_categories').where({ staff_id: sam.id }).del();
});

test('loop guards still apply: an auto-reply to the staff address is refused, not added', async () => {
  const ticketId = await customerTicket();
  const result = await importMail(t, simpleMail({ from: ada.email, to: addressFor(ticketId, ada.id), headers: ['Auto-Submitted: auto-replied'] }));
  expect(result).toMatchObject({ outcome: 'refused', reason: 'auto_reply' });
  expect(await messages(ticketId)).toHaveLength(1);
});
