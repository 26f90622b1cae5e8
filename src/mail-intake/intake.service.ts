import { withTransaction } from '../db/transaction';
import { NotFoundError } from '../errors';
import type { Settings } from '../settings/settings.schema';
import { deliverMail } from './deliver';
import { dedupeKeyOf, headerBlockOf, rawMessageId } from './dedupe-key';
import { claimFailedInboundMail, findInboundByDedupeKey, findInboundMail } from './inbound.repo';
import { keepAside, newRecorder, type Recorder, refuse, result, retryRecorder } from './intake-record';
import type { ImportResult, ImportRun, IntakeDeps, MailOrigin } from './intake-types';
import { planNewTicket } from './new-ticket-plan';
import { parseMail, type IncomingMail } from './parse-mail';
import { dropRaw, readRaw } from './raw-store';
import { refusalOf } from './refusals';
import { findThread, type Thread } from './threading';
import { takesCustomerReply } from '../auto-close/reopen-window';
import { checkStaffReply } from '../staff-mail/staff-reply-check';
import { importStaffReply } from './staff-reply-import';
import { storeChecked } from './store-checked';

export type { ImportResult, IntakeDeps, MailOrigin } from './intake-types';

async function importWith(
  deps: IntakeDeps,
  raw: Buffer,
  recorder: Recorder,
  origin: MailOrigin,
  settings: Settings,
  parsed: IncomingMail | null,
  run: ImportRun = {},
): Promise<ImportResult> {
  const mail =
    parsed && origin.recipient ? { ...parsed, envelopeRecipients: [origin.recipient.toLowerCase()] } : parsed;
  if (!mail?.from)
    return keepAside(
      deps,
      recorder,
      raw,
      'unparseable',
      mail ? 'no usable From address' : 'the message could not be parsed',
    );
  const refusal = await refusalOf(deps, mail, raw, settings);
  if (refusal) return refuse(deps, recorder, refusal);
  const checkDeps = {
    db: deps.db,
    signingSecret: deps.config.secrets.signing,
    now: deps.clock.now(),
    resolver: deps.dnsResolver,
  };
  const staffReply = await checkStaffReply(checkDeps, raw, mail, settings);
  if (staffReply) return importStaffReply(deps, raw, recorder, mail, settings, staffReply, run);
  const found = await findThread(deps.db, mail);
  // An answer to a ticket closed longer than the reopen window starts a new ticket (src/auto-close).
  const thread: Thread =
    found.kind === 'reply' && !takesCustomerReply(found.ticket, settings['tickets.reopenDays'], deps.clock.now())
      ? { kind: 'new' }
      : found;
  const plan = await planNewTicket(deps.db, mail, origin, settings, thread.kind !== 'reply');
  if (!plan) return keepAside(deps, recorder, raw, 'not_stored', 'no active category to open a ticket in');
  const language = thread.kind === 'reply' ? thread.ticket.language : plan.customer.language;
  return storeChecked(deps, raw, recorder, mail, settings, language, async ({ body, files, record, recorded }) => {
    const stored = await deliverMail(
      deps,
      { thread, plan, body, files, emailMessageId: mail.messageId, cc: mail.cc, settings },
      record,
      recorded,
    );
    return result(
      stored.replied ? 'replied' : 'created',
      stored.inboundId,
      stored.ticket.id,
      thread.kind === 'forged' ? 'forged_reference' : null,
    );
  });
}

async function parseOrNull(raw: Buffer): Promise<IncomingMail | null> {
  try {
    return await parseMail(raw);
  } catch {
    return null;
  }
}

/**
 * The one import path of every inbound mail (pipe, IMAP, POP3): a new ticket, a reply, a
 * duplicate (nothing created), a refusal (recorded, never acknowledged) or a mail kept aside
 * (status failed, raw kept). A database that cannot be reached throws: the caller has the mail
 * delivered again later (the pipe exits 75, the fetcher leaves it on the server).
 */
export async function importRawMail(deps: IntakeDeps, raw: Buffer, origin: MailOrigin): Promise<ImportResult> {
  const settings = await deps.settings.all();
  const now = deps.clock.now();
  const tooBig = raw.length > settings['intake.maxMailMb'] * 1024 * 1024;
  const mail = tooBig ? null : await parseOrNull(raw);
  // A mail too big to parse is listed with the sender and subject of its header block.
  const shown = tooBig ? await parseOrNull(Buffer.concat([headerBlockOf(raw), Buffer.from('\r\n\r\n')])) : mail;
  const messageId = mail ? mail.messageId : rawMessageId(raw);
  const dedupeKey = dedupeKeyOf(messageId, raw);
  const earlier = await findInboundByDedupeKey(deps.db, dedupeKey);
  if (earlier) return result('duplicate', earlier.id, earlier.ticket_id, null);
  const recorder = newRecorder({
    dedupe_key: dedupeKey,
    message_id_header: messageId,
    source: origin.source,
    mailbox_id: origin.mailboxId,
    envelope_recipient: origin.recipient?.toLowerCase() ?? null,
    from_address: shown?.from?.address ?? null,
    subject: shown ? shown.subject.slice(0, 255) || null : null,
    status: 'failed',
    reason: null,
    detail: null,
    ticket_id: null,
    message_id: null,
    raw_key: null,
    raw_size: raw.length,
    received_at: now,
  });
  if (tooBig)
    return keepAside(
      deps,
      recorder,
      raw,
      'too_big',
      `${raw.length} bytes; the limit is ${settings['intake.maxMailMb']} MB`,
    );
  return importWith(deps, raw, recorder, origin, settings, mail);
}

/** Imports a kept-aside mail again from its raw bytes (after a fix, or a raised limit). */
export async function retryInboundMail(deps: IntakeDeps, inboundId: number): Promise<ImportResult> {
  const row = await findInboundMail(deps.db, inboundId);
  if (row?.status !== 'failed' || !row.raw_key) throw new NotFoundError('No such kept-aside mail');
  const raw = await readRaw(deps.store, row.raw_key);
  const recorder = retryRecorder(row, deps.clock.now());
  const origin: MailOrigin = { source: row.source, mailboxId: row.mailbox_id, recipient: row.envelope_recipient };
  // A retry lifts the size limit: someone looked at this mail and wants it in.
  return importWith(deps, raw, recorder, origin, await deps.settings.all(), await parseOrNull(raw), {
    retriedReason: row.reason,
  });
}

/** Staff decided a kept-aside mail is not wanted: it is marked discarded and its raw bytes go. */
export async function discardInboundMail(deps: IntakeDeps, inboundId: number, staffId: number): Promise<void> {
  const row = await findInboundMail(deps.db, inboundId);
  if (row?.status !== 'failed') throw new NotFoundError('No such kept-aside mail');
  const changed = await withTransaction(deps.db, (trx) =>
    claimFailedInboundMail(
      trx,
      inboundId,
      { status: 'discarded', detail: `discarded by staff #${staffId}`, raw_key: null },
      deps.clock.now(),
    ),
  );
  if (!changed) throw new NotFoundError('No such kept-aside mail');
  await dropRaw(deps.store, row.raw_key);
}
