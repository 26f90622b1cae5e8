import crypto from 'node:crypto';
import os from 'node:os';
import type { Clock } from '../clock';
import type { AppConfig } from '../config/config.schema';
import type { Db } from '../db/db';
import type { Logger } from '../logger';
import { resolveFromRoot } from '../paths';
import type { SettingsService } from '../settings/settings.service';
import { classifySendError, deliveryPolicy, retryDelayMs, type SendFailure } from './delivery-policy';
import { senderOf } from './headers';
import { recipientSchema, storedHeadersSchema, stripControl } from './mail.schema';
import { markDeferred, markFailed, markSent, releaseLeases, renewLease, type OutboxRow } from './outbox.repo';
import { createMailTransport, type MailTransport, type OutgoingMail } from './transport';

export type DeliveryDeps = {
  db: Db;
  settings: SettingsService;
  clock: Clock;
  logger: Logger;
  config: Pick<AppConfig, 'paths'>;
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

/** Rebuilds the message from its row; a row that fails validation can never be sent. */
function outgoingOf(row: OutboxRow, from: OutgoingMail['from']): OutgoingMail {
  const headers = storedHeadersSchema.parse(JSON.parse(row.headers ?? '{}'));
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
    headers: headers.autoSubmitted ? { 'Auto-Submitted': 'auto-generated', 'X-Auto-Response-Suppress': 'All' } : {},
    date: new Date(Number(row.created_at)),
  };
}

const invalidRow = (err: unknown): SendFailure => ({
  problem: 'message',
  permanent: true,
  serverWide: false,
  description: `The stored mail is not valid: ${err instanceof Error ? err.message : String(err)}`.slice(0, 1000),
  response: null,
});

async function recordFailure(deps: DeliveryDeps, row: OutboxRow, worker: string, failure: SendFailure, retry: boolean): Promise<DeliveryOutcome> {
  const attempts = Number(row.attempts) + 1;
  const log = { mailId: Number(row.id), to: row.to_address, attempts, problem: failure.problem, error: failure.description };
  if (failure.permanent || !retry || attempts >= deliveryPolicy.maxAttempts) {
    await markFailed(deps.db, row.id, worker, failure.description);
    deps.logger.warn(log, 'mail failed');
    return { id: Number(row.id), status: 'failed', failure };
  }
  const nextAttemptAt = deps.clock.now() + retryDelayMs(attempts);
  await markDeferred(deps.db, row.id, worker, failure.description, nextAttemptAt);
  deps.logger.warn({ ...log, nextAttemptAt }, 'mail deferred');
  return { id: Number(row.id), status: 'deferred', failure, nextAttemptAt };
}

type SendResult = { ok: true; response: string } | { ok: false; failure: SendFailure };

async function sendOne(transport: MailTransport, row: OutboxRow, from: OutgoingMail['from']): Promise<SendResult> {
  let mail: OutgoingMail;
  try {
    mail = outgoingOf(row, from);
  } catch (err) {
    return { ok: false, failure: invalidRow(err) };
  }
  try {
    const { response } = await transport.send(mail, AbortSignal.timeout(deliveryPolicy.sendTimeoutMs));
    return { ok: true, response };
  } catch (err) {
    return { ok: false, failure: classifySendError(err) };
  }
}

/**
 * Sends mails this worker holds, one after another, and records each result. Sending errors
 * never escape: they defer the mail (with backoff) or fail it. When the server itself is the
 * problem (down, refusing our sign-in), the rest of the batch is deferred without trying.
 * `retry: false` fails a mail at its first error (the test e-mail, whose sender is watching).
 */
export async function deliverLeased(
  deps: DeliveryDeps,
  rows: OutboxRow[],
  worker: string,
  opts: { retry: boolean; stopSignal?: AbortSignal },
): Promise<DeliveryReport> {
  const settings = await deps.settings.all();
  const transport = createMailTransport(settings, { dataDir: resolveFromRoot(deps.config.paths.data) });
  const from = senderOf(settings);
  const outcomes: DeliveryOutcome[] = [];
  let serverDown: SendFailure | null = null;
  try {
    for (const [index, row] of rows.entries()) {
      const id = Number(row.id);
      if (opts.stopSignal?.aborted) {
        const rest = rows.slice(index).map((r) => Number(r.id));
        await releaseLeases(deps.db, rest, worker);
        outcomes.push(...rest.map((restId) => ({ id: restId, status: 'skipped' as const })));
        break;
      }
      if (serverDown) {
        outcomes.push(await recordFailure(deps, row, worker, serverDown, opts.retry));
        continue;
      }
      if (!(await renewLease(deps.db, id, { worker, until: deps.clock.now() + deliveryPolicy.leaseMs }))) {
        outcomes.push({ id, status: 'skipped' });
        continue;
      }
      const result = await sendOne(transport, row, from);
      if (result.ok) {
        await markSent(deps.db, id, result.response, deps.clock.now());
        deps.logger.info({ mailId: id, to: row.to_address, response: result.response }, 'mail sent');
        outcomes.push({ id, status: 'sent', response: result.response });
        continue;
      }
      if (result.failure.serverWide) serverDown = result.failure;
      outcomes.push(await recordFailure(deps, row, worker, result.failure, opts.retry));
    }
  } finally {
    transport.close();
  }
  return { target: transport.target, outcomes, serverDown };
}
