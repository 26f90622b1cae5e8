import crypto from 'node:crypto';
import os from 'node:os';
import { ZodError } from 'zod';
import type { Clock } from '../clock';
import type { AppConfig } from '../config/config.schema';
import type { Db } from '../db/db';
import type { Logger } from '../logger';
import { DiskAttachmentStore, type AttachmentStore } from '../attachments/attachment-store';
import { withTransaction } from '../db/transaction';
import { resolveFromRoot } from '../paths';
import { insertTicketEvent } from '../tickets/ticket-events.repo';
import type { SettingsService } from '../settings/settings.service';
import { classifySendError, deliveryPolicy, mailLeasesOf, retryDelayMs, type SendFailure } from './delivery-policy';
import type { Settings } from '../settings/settings.schema';
import { signedReplyTo } from '../staff-mail/signed-reply-to';
import { senderOf } from './headers';
import { attachmentsForMail, MissingAttachmentError } from './mail-attachments';
import {
  recipientSchema,
  storedHeadersSchema,
  stripControl,
  tokenBearingTemplates,
  type StoredHeaders,
} from './mail.schema';
import { markDeferred, markFailed, markSent, releaseLeases, startAttempt, type OutboxRow } from './outbox.repo';
import { createMailTransport, type MailTransport, type OutgoingMail } from './transport';

export type DeliveryDeps = {
  db: Db;
  settings: SettingsService;
  clock: Clock;
  logger: Logger;
  /** `secrets.signing` signs the Reply-To of staff notices when they are sent. */
  config: Pick<AppConfig, 'paths' | 'secrets' | 'jobs'>;
  /** Where the files of a reply are read from; the disk store of `config.paths` when not given. */
  store?: AttachmentStore;
};

export type DeliveryOutcome =
  | { id: number; status: 'sent'; response: string }
  | { id: number; status: 'deferred'; failure: SendFailure; nextAttemptAt: number }
  | { id: number; status: 'failed'; failure: SendFailure }
  /** Not this worker's any more (its lease ran out and another took it), or given back at stop. */
  | { id: number; status: 'skipped' };

export type DeliveryReport = {
  target: string;
  outcomes: DeliveryOutcome[];
  /** Set when the server itself failed; the rest of the batch was deferred without trying. */
  serverDown: SendFailure | null;
};

/** A name no other worker has: which host and process holds a mail shows in `leased_by`. */
export function newWorkerName(): string {
  return `${os.hostname().slice(0, 30)}:${process.pid}:${crypto.randomBytes(6).toString('hex')}`.slice(0, 64);
}

/** What every mail of a batch shares: the sender, and the settings read when the batch started. */
type BatchContext = { from: OutgoingMail['from']; settings: Settings };

/** A staff notice's signed Reply-To, made now (never stored with the row), or the stored Reply-To of other mail. */
async function replyToOf(
  deps: DeliveryDeps,
  row: OutboxRow,
  headers: StoredHeaders,
  settings: Settings,
): Promise<string | undefined> {
  if (headers.staffReplyFor && row.ticket_id !== null) {
    return (
      (await signedReplyTo(
        deps.db,
        deps.config.secrets.signing,
        settings,
        Number(row.ticket_id),
        headers.staffReplyFor,
        deps.clock.now(),
      )) ?? undefined
    );
  }
  return headers.replyTo;
}

/**
 * Rebuilds the message from its row, with the files it carries read from the attachment store;
 * a row that fails validation, or whose files are gone, can never be sent.
 */
async function outgoingOf(deps: DeliveryDeps, row: OutboxRow, { from, settings }: BatchContext): Promise<OutgoingMail> {
  const headers = storedHeadersSchema.parse(JSON.parse(row.headers ?? '{}'));
  const replyTo = await replyToOf(deps, row, headers, settings);
  const ids = headers.attachmentIds ?? [];
  const attachments = ids.length
    ? await attachmentsForMail(deps.db, storeOf(deps), row.ticket_id === null ? null : Number(row.ticket_id), ids)
    : [];
  const to = recipientSchema.parse({ address: row.to_address, name: headers.toName });
  return {
    from,
    to: to.name ? { name: to.name, address: to.address } : to.address,
    subject: stripControl(row.subject),
    text: row.body_text,
    html: row.body_html ?? undefined,
    messageId: row.email_message_id,
    inReplyTo: headers.inReplyTo,
    references: headers.references,
    ...(replyTo ? { replyTo } : {}),
    ...(headers.cc?.length ? { cc: headers.cc } : {}),
    headers: headers.autoSubmitted ? { 'Auto-Submitted': 'auto-generated', 'X-Auto-Response-Suppress': 'All' } : {},
    date: new Date(Number(row.created_at)),
    ...(attachments.length ? { attachments } : {}),
  };
}

const storeOf = (deps: DeliveryDeps): AttachmentStore =>
  deps.store ?? new DiskAttachmentStore(resolveFromRoot(deps.config.paths.attachments));

const invalidRow = (err: unknown): SendFailure => ({
  problem: 'message',
  permanent: true,
  serverWide: false,
  description: `The stored mail is not valid: ${err instanceof Error ? err.message : String(err)}`.slice(0, 1000),
  response: null,
});

async function recordFailure(
  deps: DeliveryDeps,
  row: OutboxRow,
  worker: string,
  failure: SendFailure,
  retry: boolean,
): Promise<DeliveryOutcome> {
  const attempts = Number(row.attempts) + 1;
  const log = {
    mailId: Number(row.id),
    to: row.to_address,
    attempts,
    problem: failure.problem,
    error: failure.description,
  };
  if (failure.permanent || !retry || attempts >= deliveryPolicy.maxAttempts) {
    await failMail(deps, row, worker, failure);
    deps.logger.warn(log, 'mail failed');
    return { id: Number(row.id), status: 'failed', failure };
  }
  const nextAttemptAt = deps.clock.now() + retryDelayMs(attempts);
  await markDeferred(deps.db, row.id, worker, failure.description, nextAttemptAt, failure.serverWide);
  deps.logger.warn({ ...log, nextAttemptAt }, 'mail deferred');
  return { id: Number(row.id), status: 'deferred', failure, nextAttemptAt };
}

/**
 * Gives a mail up. A mail about a ticket also leaves an event in the ticket's history (in the
 * same transaction), so a mail that finally failed after hours of retries is seen on the ticket.
 */
async function failMail(deps: DeliveryDeps, row: OutboxRow, worker: string, failure: SendFailure): Promise<void> {
  await withTransaction(deps.db, async (trx) => {
    const failed = await markFailed(trx, row.id, worker, failure.description);
    if (!failed || row.ticket_id === null) return;
    const data = { mailId: Number(row.id), address: row.to_address, problem: failure.problem };
    await insertTicketEvent(
      trx,
      Number(row.ticket_id),
      'mail.failed',
      { type: 'system', id: null },
      data,
      deps.clock.now(),
    );
  });
}

type SendResult = { ok: true; response: string } | { ok: false; failure: SendFailure };

async function sendOne(
  deps: DeliveryDeps,
  transport: MailTransport,
  row: OutboxRow,
  batch: BatchContext,
): Promise<SendResult> {
  let mail: OutgoingMail;
  try {
    mail = await outgoingOf(deps, row, batch);
  } catch (err) {
    // A row or file that can never make a mail fails it; anything else (the database) is thrown.
    if (err instanceof ZodError || err instanceof SyntaxError || err instanceof MissingAttachmentError)
      return { ok: false, failure: invalidRow(err) };
    throw err;
  }
  try {
    const { response } = await transport.send(mail, AbortSignal.timeout(mailLeasesOf(deps.config.jobs).sendTimeoutMs));
    return { ok: true, response };
  } catch (err) {
    return { ok: false, failure: classifySendError(err) };
  }
}

/** Written on a mail sent again because its earlier attempt never recorded an outcome. */
export const interruptedAttemptNote =
  'An earlier attempt was interrupted before its result was recorded; the server may have taken the mail. Sent again with the same Message-ID.';

/**
 * Sends mails this worker holds, one after another, and records each result. Sending errors
 * never escape: they defer the mail (with backoff) or fail it. When the server itself is the
 * problem (down, refusing our sign-in), the rest of the batch is deferred without trying.
 * `retry: false` fails a mail at its first error (the test e-mail, whose sender is watching).
 *
 * Each attempt is written down before the SMTP transaction starts (startAttempt), so a crash
 * or a database outage between the server's "accepted" and our record of it leaves a mail
 * with an open attempt, sent again only after that attempt's lease ran out, with the same
 * Message-ID. A database error stops the batch: what was not started yet is given back at once
 * (or, with the database still away, free when its short claim runs out), and the error is
 * thrown to the job runner.
 */
export async function deliverLeased(
  deps: DeliveryDeps,
  rows: OutboxRow[],
  worker: string,
  opts: { retry: boolean; stopSignal?: AbortSignal },
): Promise<DeliveryReport> {
  const settings = await deps.settings.all();
  const transport = createMailTransport(settings, { dataDir: resolveFromRoot(deps.config.paths.data) });
  const batch: BatchContext = { from: senderOf(settings), settings };
  const outcomes: DeliveryOutcome[] = [];
  let serverDown: SendFailure | null = null;
  let next = 0;
  try {
    for (; next < rows.length; next++) {
      const row = rows[next]!;
      if (opts.stopSignal?.aborted) break;
      if (serverDown) {
        outcomes.push(await recordFailure(deps, row, worker, serverDown, opts.retry));
        continue;
      }
      outcomes.push(await attempt(deps, transport, row, worker, batch, opts.retry));
      const last = outcomes[outcomes.length - 1]!;
      if (last.status !== 'skipped' && last.status !== 'sent' && last.failure.serverWide) serverDown = last.failure;
    }
  } catch (err) {
    // The database failed: the mail being recorded keeps its open attempt; the rest goes back.
    await releaseLeases(
      deps.db,
      rows.slice(next + 1).map((r) => Number(r.id)),
      worker,
    ).catch(() => undefined);
    throw err;
  } finally {
    transport.close();
  }
  if (next < rows.length) {
    const rest = rows.slice(next).map((r) => Number(r.id));
    await releaseLeases(deps.db, rest, worker);
    outcomes.push(...rest.map((id) => ({ id, status: 'skipped' as const })));
  }
  return { target: transport.target, outcomes, serverDown };
}

/** One mail: the attempt recorded, the SMTP transaction, its outcome recorded. */
async function attempt(
  deps: DeliveryDeps,
  transport: MailTransport,
  row: OutboxRow,
  worker: string,
  batch: BatchContext,
  retry: boolean,
): Promise<DeliveryOutcome> {
  const id = Number(row.id);
  const now = deps.clock.now();
  const interrupted = row.attempt_started_at === null ? null : interruptedAttemptNote;
  if (
    !(await startAttempt(
      deps.db,
      id,
      { worker, until: now + mailLeasesOf(deps.config.jobs).attemptMs },
      now,
      interrupted,
    ))
  )
    return { id, status: 'skipped' };
  if (interrupted)
    deps.logger.warn(
      { mailId: id, to: row.to_address, messageId: row.email_message_id },
      'mail sent again after an interrupted attempt',
    );
  const result = await sendOne(deps, transport, row, batch);
  if (!result.ok) return recordFailure(deps, row, worker, result.failure, retry);
  await markSent(
    deps.db,
    id,
    { response: result.response, via: transport.via, clearBody: tokenBearingTemplates.includes(row.template) },
    deps.clock.now(),
  );
  deps.logger.info({ mailId: id, to: row.to_address, response: result.response, via: transport.via }, 'mail sent');
  return { id, status: 'sent', response: result.response };
}
