import type { Knex } from 'knex';
import { insertReturningId } from '../db/insert';
import { retryOnConflict } from '../db/transaction';

/** `bounced`: the server took it, and later a delivery status notification said it never arrived (the import marks it). */
export type OutboxStatus = 'queued' | 'deferred' | 'sent' | 'failed' | 'bounced';

/** Mails that did not reach their recipient and may be sent again by staff. */
export const undeliveredStatuses: OutboxStatus[] = ['failed', 'bounced'];

export type OutboxRow = {
  id: number;
  ticket_id: number | null;
  message_id: number | null;
  template: string;
  to_address: string;
  subject: string;
  body_text: string;
  body_html: string | null;
  headers: string | null;
  email_message_id: string;
  status: OutboxStatus;
  attempts: number;
  next_attempt_at: number;
  lease_until: number | null;
  leased_by: string | null;
  last_error: string | null;
  server_response: string | null;
  sent_at: number | null;
  created_at: number;
  /** Set just before the mail is handed to the server, cleared with the outcome. */
  attempt_started_at: number | null;
  interrupted_attempts: number;
  sent_via: SentVia | null;
};

/** What took the mail: an SMTP server, or only the mail log file (no server configured). */
export type SentVia = 'smtp' | 'file';

/** A worker's hold on the rows it claimed: its unique name, and until when the hold lasts. */
export type Lease = { worker: string; until: number };

export type NewOutboxMail = {
  ticketId: number | null;
  messageId: number | null;
  template: string;
  toAddress: string;
  subject: string;
  bodyText: string;
  bodyHtml: string | null;
  headers: Record<string, unknown>;
  emailMessageId: string;
};

const waiting: OutboxStatus[] = ['queued', 'deferred'];

/**
 * Stores a composed mail, due at once, in the caller's transaction: the change that caused it
 * and the mail are committed together or not at all. With a lease the row is born claimed, so
 * only its creator sends it (the "send test e-mail" button sends its mail itself).
 */
const outboxRow = (mail: NewOutboxMail, now: number, lease?: Lease) => ({
  ticket_id: mail.ticketId,
  message_id: mail.messageId,
  template: mail.template,
  to_address: mail.toAddress,
  subject: mail.subject,
  body_text: mail.bodyText,
  body_html: mail.bodyHtml,
  headers: JSON.stringify(mail.headers),
  email_message_id: mail.emailMessageId,
  status: 'queued',
  attempts: 0,
  next_attempt_at: now,
  lease_until: lease?.until ?? null,
  leased_by: lease?.worker ?? null,
  created_at: now,
});

export async function insertOutboxMail(trx: Knex, mail: NewOutboxMail, now: number, lease?: Lease): Promise<number> {
  return insertReturningId(trx, 'mail_outbox', outboxRow(mail, now, lease));
}

/** Several queued mails in one statement per 50 (a job's batch); their ids are not needed. */
export async function insertOutboxMails(trx: Knex, mails: readonly NewOutboxMail[], now: number): Promise<void> {
  for (let i = 0; i < mails.length; i += 50)
    await trx('mail_outbox').insert(mails.slice(i, i + 50).map((m) => outboxRow(m, now)));
}

const isFree = (now: number) => (q: Knex.QueryBuilder) => q.whereNull('lease_until').orWhere('lease_until', '<', now);

/**
 * Claims up to `limit` due mails for one worker and returns them. The ids are picked first,
 * then taken by one conditional UPDATE that only succeeds on rows nobody holds: on every
 * database that UPDATE re-checks the lease of each row it locks, so two workers that picked
 * the same ids split them and never share one. No lock is held while mail is being sent.
 */
export async function claimDueMail(db: Knex, opts: { now: number; lease: Lease; limit: number }): Promise<OutboxRow[]> {
  const candidates = await db('mail_outbox')
    .whereIn('status', waiting)
    .where('next_attempt_at', '<=', opts.now)
    .where(isFree(opts.now))
    .orderBy([{ column: 'next_attempt_at' }, { column: 'id' }])
    .limit(opts.limit)
    .pluck<number[]>('id');
  const ids = candidates.map(Number);
  if (ids.length === 0) return [];
  await retryOnConflict(() =>
    db('mail_outbox')
      .whereIn('id', ids)
      .whereIn('status', waiting)
      .where(isFree(opts.now))
      .update({ lease_until: opts.lease.until, leased_by: opts.lease.worker }),
  );
  // Rows named for this worker are its own: no other worker writes that name.
  return db('mail_outbox')
    .whereIn('id', ids)
    .where({ leased_by: opts.lease.worker })
    .orderBy('id')
    .select<OutboxRow[]>('*');
}

/** The rows a worker holds (a mail inserted already leased). */
export async function leasedMail(db: Knex, worker: string): Promise<OutboxRow[]> {
  return db('mail_outbox')
    .where({ leased_by: worker })
    .whereIn('status', waiting)
    .orderBy('id')
    .select<OutboxRow[]>('*');
}

/**
 * Records that this worker is about to hand the mail to the server, and holds it for the
 * whole attempt; false when the mail is no longer this worker's (another worker took it over
 * after the claim ran out). `interrupted`: an earlier attempt started and never recorded its
 * outcome, so the server may already have the mail; it is sent again deliberately, with the
 * same Message-ID, and counted.
 */
export async function startAttempt(
  db: Knex,
  id: number,
  lease: Lease,
  now: number,
  interrupted: string | null,
): Promise<boolean> {
  const rows = await db('mail_outbox')
    .where({ id, leased_by: lease.worker })
    .whereIn('status', waiting)
    .update({
      lease_until: lease.until,
      attempt_started_at: now,
      ...(interrupted ? { interrupted_attempts: db.raw('interrupted_attempts + 1'), last_error: interrupted } : {}),
    });
  return Number(rows) === 1;
}

/** Gives back what a worker claimed but will not send (it is stopping). */
export async function releaseLeases(db: Knex, ids: number[], worker: string): Promise<void> {
  if (ids.length === 0) return;
  await db('mail_outbox')
    .whereIn('id', ids)
    .where({ leased_by: worker })
    .update({ lease_until: null, leased_by: null });
}

/** An attempt's outcome is recorded: the mail is nobody's and no attempt is open. */
const ended = { lease_until: null, leased_by: null, attempt_started_at: null };

export const removedBodyNote = 'The text of this mail held a secret link; it was removed once the mail was sent.';

/**
 * Recorded whoever holds the lease now: the server has the mail, whatever else happened.
 * `clearBody`: the text held a secret link and is not kept (see tokenBearingTemplates).
 */
export async function markSent(
  db: Knex,
  id: number,
  sent: { response: string; via: SentVia; clearBody: boolean },
  now: number,
): Promise<void> {
  await db('mail_outbox')
    .where({ id })
    .update({
      ...(sent.clearBody ? { body_text: removedBodyNote, body_html: null } : {}),
      status: 'sent',
      attempts: db.raw('attempts + 1'),
      server_response: sent.response,
      sent_via: sent.via,
      sent_at: now,
      ...ended,
    });
}

/**
 * Another try later; only by the worker that holds the mail, so a sent mail is never reopened.
 * `serverWide`: the server itself failed, not this mail's recipient (see sending-status.ts).
 */
export async function markDeferred(
  db: Knex,
  id: number,
  worker: string,
  error: string,
  nextAttemptAt: number,
  serverWide = false,
): Promise<void> {
  await db('mail_outbox')
    .where({ id, leased_by: worker })
    .whereIn('status', waiting)
    .update({
      status: 'deferred',
      attempts: db.raw('attempts + 1'),
      next_attempt_at: nextAttemptAt,
      last_error: error,
      deferred_server_wide: serverWide,
      ...ended,
    });
}

/** True when this worker still held the mail and it is now failed. */
export async function markFailed(db: Knex, id: number, worker: string, error: string): Promise<boolean> {
  const rows = await db('mail_outbox')
    .where({ id, leased_by: worker })
    .whereIn('status', waiting)
    .update({ status: 'failed', attempts: db.raw('attempts + 1'), last_error: error, ...ended });
  return Number(rows) === 1;
}

/**
 * Sends a failed or bounced mail again from a fresh start ("send again" beside the reply); the
 * condition on the status is the check, so two clicks queue it once.
 */
export async function requeueFailedMail(db: Knex, id: number, now: number): Promise<boolean> {
  const rows = await db('mail_outbox')
    .where({ id })
    .whereIn('status', undeliveredStatuses)
    .update({ status: 'queued', attempts: 0, next_attempt_at: now });
  return Number(rows) === 1;
}

export type OutboxEntry = {
  id: number;
  messageId: number | null;
  template: string;
  toAddress: string;
  subject: string;
  status: OutboxStatus;
  attempts: number;
  nextAttemptAt: number | null;
  lastError: string | null;
  serverResponse: string | null;
  sentAt: number | null;
  createdAt: number;
  sentVia: SentVia | null;
  /** An attempt is under way (or was interrupted and waits for its lease to end). */
  attemptOpen: boolean;
  /** Times the mail was sent again after an attempt without outcome: the customer may have it twice. */
  interruptedAttempts: number;
};

const entryColumns = [
  'id',
  'ticket_id',
  'message_id',
  'template',
  'to_address',
  'subject',
  'status',
  'attempts',
  'next_attempt_at',
  'last_error',
  'server_response',
  'sent_at',
  'created_at',
  'sent_via',
  'attempt_started_at',
  'interrupted_attempts',
];

/** Delivery state of every mail about a ticket, oldest first, to show beside the replies. */
export async function listMailByTicket(db: Knex, ticketId: number): Promise<OutboxEntry[]> {
  const rows = await db('mail_outbox').where({ ticket_id: ticketId }).orderBy('id').select<OutboxRow[]>(entryColumns);
  return rows.map(toEntry);
}

export async function findMailById(
  db: Knex,
  id: number,
): Promise<(OutboxEntry & { ticketId: number | null }) | undefined> {
  const row = await db('mail_outbox').where({ id }).first<OutboxRow | undefined>('*');
  return row && { ...toEntry(row), ticketId: row.ticket_id === null ? null : Number(row.ticket_id) };
}

function toEntry(r: OutboxRow): OutboxEntry {
  const waitingNow = r.status === 'queued' || r.status === 'deferred';
  return {
    id: Number(r.id),
    messageId: r.message_id === null ? null : Number(r.message_id),
    template: r.template,
    toAddress: r.to_address,
    subject: r.subject,
    status: r.status,
    attempts: Number(r.attempts),
    nextAttemptAt: waitingNow ? Number(r.next_attempt_at) : null,
    lastError: r.last_error,
    serverResponse: r.server_response,
    sentAt: r.sent_at === null ? null : Number(r.sent_at),
    createdAt: Number(r.created_at),
    sentVia: r.sent_via,
    attemptOpen: r.attempt_started_at !== null && waitingNow,
    interruptedAttempts: Number(r.interrupted_attempts),
  };
}

/**
 * Marks our mail that a bounce reports as bounced, with the server's diagnostic: staff see on
 * the ticket that the customer (or a follower) did not get it. When the report names the
 * recipients that failed, only a mail to one of them is marked: a mail that went to several
 * addresses (a Cc, as mails of old did to followers) is not the customer's bounce because a
 * copied address failed. A report that names no recipient (null) marks by Message-ID alone; one
 * whose recipients did not fail (a delay warning: []) marks nothing. Mail already marked keeps
 * its first diagnostic.
 */
export async function markOutboxBounced(
  trx: Knex,
  emailMessageIds: string[],
  diagnostic: string,
  failedRecipients: string[] | null = null,
): Promise<number> {
  if (!emailMessageIds.length || failedRecipients?.length === 0) return 0;
  const rows = await trx('mail_outbox')
    .whereIn('email_message_id', emailMessageIds)
    .whereNot({ status: 'bounced' })
    .limit(50)
    .select('id', 'to_address');
  const failed = failedRecipients && new Set(failedRecipients.map((a) => a.toLowerCase()));
  const ids = rows
    .filter((r: { to_address: string }) => !failed || failed.has(String(r.to_address).toLowerCase()))
    .map((r: { id: number }) => Number(r.id));
  if (!ids.length) return 0;
  return Number(
    await trx('mail_outbox')
      .whereIn('id', ids)
      .whereNot({ status: 'bounced' })
      .update({ status: 'bounced', last_error: diagnostic }),
  );
}
