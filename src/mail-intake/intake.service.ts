import type { i18n } from 'i18next';
import type { Knex } from 'knex';
import { isDiskRefusal, UploadNotStoredError } from '../attachments/attachment-store';
import { isConnectionError, isUniqueViolation } from '../db/dialect';
import { withTransaction } from '../db/transaction';
import { NotFoundError } from '../errors';
import type { Logger } from '../logger';
import type { Settings } from '../settings/settings.schema';
import type { SettingsService } from '../settings/settings.service';
import type { TicketDeps } from '../tickets/tickets.service';
import { deliverMail } from './deliver';
import { dedupeKeyOf, headerBlockOf, rawMessageId } from './dedupe-key';
import {
  claimFailedInboundMail,
  findInboundByDedupeKey,
  findInboundMail,
  insertInboundMail,
  updateInboundMail,
  type InboundMailRow,
  type NewInboundMail,
} from './inbound.repo';
import { checkMailFiles } from './mail-files';
import { composeBody, planNewTicket } from './new-ticket-plan';
import { parseMail, type IncomingMail } from './parse-mail';
import { dropRaw, keepRaw, readRaw } from './raw-store';
import { floodedAlready, floodRefusal, refusalOf, type RefusalDecision } from './refusals';
import { findThread, type Thread } from './threading';
import { takesCustomerReply } from '../auto-close/reopen-window';
import type { CheckedFile } from '../attachments/file-check';
import {
  auditStaffReplyRefusal,
  deliverStaffReply,
  staffReplyDigest,
  staffReplyReplayWindowMs,
} from '../staff-mail/deliver-staff-reply';
import type { DnsResolver } from '../staff-mail/sender-auth';
import { recentReplyDigest } from '../staff-mail/staff-mail.repo';
import { checkStaffReply, type StaffReplyCheck } from '../staff-mail/staff-reply-check';

export type MailOrigin = {
  source: 'pipe' | 'lmtp' | 'imap' | 'pop3';
  mailboxId: number | null;
  /** The envelope recipient, when the way in knows it (the pipe's --recipient): it replaces the delivery headers. */
  recipient?: string | null;
  defaults?: { categoryId: number | null; priorityKey: string | null };
};

export type ImportResult = {
  outcome: 'created' | 'replied' | 'duplicate' | 'refused' | 'kept_aside';
  inboundId: number | null;
  ticketId: number | null;
  reason: string | null;
};

/** What the import needs: the ticket service's dependencies, the settings, the log and the texts. */
export type IntakeDeps = TicketDeps & {
  settings: SettingsService;
  logger: Logger;
  i18n: i18n;
  config: { secrets: { signing: string } };
  /** DNS look-ups of DKIM keys (tests serve their own; the system resolver when not given). */
  dnsResolver?: DnsResolver;
};

/** The inbound record is either new (insert) or a kept-aside one being retried (claim). */
type Recorder = {
  base: NewInboundMail;
  write(trx: Knex, patch: Partial<NewInboundMail>): Promise<number>;
};

function newRecorder(base: NewInboundMail): Recorder {
  return { base, write: (trx, patch) => insertInboundMail(trx, { ...base, ...patch }) };
}

function retryRecorder(row: InboundMailRow, now: number): Recorder {
  const { id: _id, updated_at: _u, ...base } = row;
  return {
    base: { ...base, attempts: row.attempts + 1 },
    write: async (trx, patch) => {
      if (!(await claimFailedInboundMail(trx, row.id, { ...patch, attempts: row.attempts + 1 }, now)))
        throw new AlreadyHandled();
      return row.id;
    },
  };
}

/** A retried mail that another retry or a discard handled first. */
class AlreadyHandled extends Error {}

/** The sender is over the flood limit: found while storing, so that transaction is undone and the mail refused. */
class Flooded extends Error {
  constructor(readonly refusal: RefusalDecision) {
    super(refusal.detail);
  }
}

const result = (
  outcome: ImportResult['outcome'],
  inboundId: number | null,
  ticketId: number | null,
  reason: string | null,
): ImportResult => ({ outcome, inboundId, ticketId, reason });

/** Writes a record that is not a ticket (refused, kept aside); a second copy of the mail meets the unique key. */
async function recordOnly(
  deps: IntakeDeps,
  recorder: Recorder,
  patch: Partial<NewInboundMail>,
  alsoInTrx?: (trx: Knex) => Promise<void>,
): Promise<number | 'duplicate'> {
  try {
    return await withTransaction(deps.db, async (trx) => {
      const id = await recorder.write(trx, patch);
      if (alsoInTrx) await alsoInTrx(trx);
      return id;
    });
  } catch (err) {
    if (isUniqueViolation(err) || err instanceof AlreadyHandled) return 'duplicate';
    throw err;
  }
}

/** Records a refused mail (never acknowledged); a second copy of it is a duplicate. */
async function refuse(deps: IntakeDeps, recorder: Recorder, refusal: RefusalDecision): Promise<ImportResult> {
  const id = await recordOnly(
    deps,
    recorder,
    { status: 'refused', reason: refusal.reason, detail: refusal.detail.slice(0, 2000) },
    refusal.inTransaction,
  );
  return id === 'duplicate' ? result('duplicate', null, null, null) : result('refused', id, null, refusal.reason);
}

/**
 * Keeps a mail that cannot be stored as a ticket aside: status failed, the raw bytes in the
 * attachment store, for staff to retry or discard. Throws when even that is impossible (the
 * database or the disk refuses), so the caller can have the mail delivered again later.
 */
async function keepAside(
  deps: IntakeDeps,
  recorder: Recorder,
  raw: Buffer,
  reason: string,
  detail: string,
  alsoInTrx?: (trx: Knex) => Promise<void>,
): Promise<ImportResult> {
  const rawKey = recorder.base.raw_key ?? (await keepRaw(deps.store, raw));
  const ownCopy = rawKey !== recorder.base.raw_key;
  // eslint-disable-next-line no-control-regex
  const text = detail.replace(/\u0000/g, '').slice(0, 2000);
  const id = await recordOnly(
    deps,
    recorder,
    { status: 'failed', reason, detail: text, raw_key: rawKey },
    alsoInTrx,
  ).catch(async (err: unknown) => {
    if (ownCopy) await dropRaw(deps.store, rawKey);
    throw err;
  });
  if (id === 'duplicate') {
    if (ownCopy) await dropRaw(deps.store, rawKey);
    return result('duplicate', null, null, null);
  }
  deps.logger.warn({ inboundId: id, reason, detail }, 'inbound mail kept aside');
  return result('kept_aside', id, null, reason);
}

/** How a checked mail is stored: given its text, accepted files and the inbound record's two writes. */
type Store = (input: {
  body: string;
  files: CheckedFile[];
  record: (trx: Knex.Transaction) => Promise<number>;
  recorded: (
    trx: Knex.Transaction,
    id: number,
    out: { ticketId: number; messageId: number; reason: string | null },
  ) => Promise<void>;
}) => Promise<ImportResult>;

/**
 * Stores a mail that passed the checks (a new ticket, a customer's or a staff member's reply):
 * files checked as web uploads, the raw bytes kept, the text cut of its quote. A second copy
 * meets the unique key and answers "duplicate"; a failure other than an outage keeps it aside.
 */
async function storeChecked(
  deps: IntakeDeps,
  raw: Buffer,
  recorder: Recorder,
  mail: IncomingMail,
  settings: Settings,
  language: string,
  store: Store,
): Promise<ImportResult> {
  const flooded = await floodedAlready(deps.db, mail.from!.address, settings, deps.clock.now());
  if (flooded) return refuse(deps, recorder, flooded);
  const files = await checkMailFiles(deps.store, mail.files, settings);
  const rawKey =
    recorder.base.raw_key ??
    (await keepRaw(deps.store, raw).catch(async (err: unknown) => {
      await files.cleanUp();
      throw err;
    }));
  const sender = mail.from!.address;
  try {
    const body = composeBody(deps.i18n, mail, files.problems, language);
    return await store({
      body,
      files: files.accepted,
      record: async (trx) => {
        const id = await recorder.write(trx, { status: 'imported', raw_key: rawKey });
        const flood = await floodRefusal(trx, sender, settings, deps.clock.now());
        if (flood) throw new Flooded(flood);
        return id;
      },
      recorded: (trx, id, out) =>
        updateInboundMail(
          trx,
          id,
          { ticket_id: out.ticketId, message_id: out.messageId, reason: out.reason },
          deps.clock.now(),
        ),
    });
  } catch (err) {
    if (rawKey !== recorder.base.raw_key) await dropRaw(deps.store, rawKey);
    // Counted again with the refusal: the undone transaction took the first count with it.
    if (err instanceof Flooded)
      return refuse(deps, recorder, {
        ...err.refusal,
        inTransaction: async (trx) => void (await floodRefusal(trx, sender, settings, deps.clock.now())),
      });
    if (isUniqueViolation(err) || err instanceof AlreadyHandled) {
      const earlier = await findInboundByDedupeKey(deps.db, recorder.base.dedupe_key);
      if (earlier || err instanceof AlreadyHandled)
        return result('duplicate', earlier?.id ?? null, earlier?.ticket_id ?? null, null);
    }
    if (isConnectionError(err) || isDiskRefusal(err) || err instanceof UploadNotStoredError) throw err;
    deps.logger.error({ err }, 'inbound mail could not be stored');
    return keepAside(deps, recorder, raw, 'not_stored', err instanceof Error ? err.message : String(err));
  } finally {
    await files.cleanUp();
  }
}

/** Why a staff answer is kept aside when the same one was posted minutes ago. */
const replayReason = 'staff_reply_replayed';

/** How the import was started: a retry of a kept-aside mail says why it was kept aside. */
type ImportRun = { retriedReason?: string | null };

/** A staff member's answer by e-mail (src/staff-mail): added as their reply, or kept aside with the reason and audited. */
async function importStaffReply(
  deps: IntakeDeps,
  raw: Buffer,
  recorder: Recorder,
  mail: IncomingMail,
  settings: Settings,
  check: StaffReplyCheck,
  run: ImportRun,
): Promise<ImportResult> {
  const now = deps.clock.now();
  if (check.kind === 'refused') {
    return keepAside(deps, recorder, raw, check.reason, check.detail, (trx) =>
      auditStaffReplyRefusal(trx, check.claim, check.reason, mail.from!.address, now),
    );
  }
  // The same answer again under a new Message-ID within minutes (a replay, a client sending twice)
  // is not posted twice; it is kept aside with its raw mail, and staff who retry it post it.
  const digest = staffReplyDigest(check.ticket.id, check.staff.id, mail);
  const replayAccepted = run.retriedReason === replayReason;
  if (!replayAccepted && (await recentReplyDigest(deps.db, digest, now - staffReplyReplayWindowMs))) {
    const detail = `the same answer from staff member #${check.staff.id} was added to ticket #${check.ticket.id} less than ${staffReplyReplayWindowMs / 60_000} minutes ago; retry it if it is a second answer`;
    return keepAside(deps, recorder, raw, replayReason, detail, (trx) =>
      auditStaffReplyRefusal(trx, check.claim, replayReason, mail.from!.address, now),
    );
  }
  return storeChecked(
    deps,
    raw,
    recorder,
    mail,
    settings,
    check.staff.language,
    async ({ body, files, record, recorded }) => {
      const stored = await deliverStaffReply(
        deps,
        {
          ticket: check.ticket,
          staff: check.staff,
          body,
          files,
          emailMessageId: mail.messageId,
          digest,
          replayAccepted,
        },
        record,
        recorded,
      );
      return result('replied', stored.inboundId, stored.ticketId, 'staff_reply');
    },
  );
}

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
  const plan = await planNewTicket(deps.db, mail, origin, settings);
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
