import type { Db } from '../db/db';
import { hitWindowCounter } from '../db/window-counter';
import { TooManyRequestsError } from '../errors';
import type { Settings } from '../settings/settings.schema';

const windowMs = 3600_000;

/** A customer's reply or upload over an hourly quota: which form field it concerns, and when to try again. */
export class QuotaExceededError extends TooManyRequestsError {
  constructor(
    readonly field: 'message' | 'attachments',
    retryAfterSeconds: number,
  ) {
    super(
      field === 'message'
        ? 'Too many replies in a short time. Please try again later.'
        : 'Too many files uploaded in a short time. Please try again later.',
      retryAfterSeconds,
    );
  }

  /** The locale key with its variables, as the forms show field errors. */
  get formError(): string {
    return `quota.${this.field === 'message' ? 'replies' : 'uploads'}|${JSON.stringify({ minutes: Math.max(1, Math.ceil(this.retryAfterSeconds / 60)) })}`;
  }
}

/** Who is counted: the client's address (clientKey) and, for a reply, the ticket from all addresses together. */
export type QuotaScope = { client: string; ticketId: number | null };

async function charge(
  db: Db,
  buckets: string[],
  amount: number,
  limit: number,
  now: number,
  field: QuotaExceededError['field'],
): Promise<void> {
  for (const bucket of buckets) {
    const count = await hitWindowCounter(db, bucket, windowMs, now, amount);
    if (count.hits > limit) throw new QuotaExceededError(field, Math.ceil((count.resetAt - now) / 1000));
  }
}

/**
 * Counts what a customer sends (a reply, a new ticket's files) against the hourly quotas, in
 * the database so every instance counts together: replies per address and per ticket, then
 * uploaded kilobytes and files per address and per ticket. Anything over a quota is refused
 * before it is stored; a refused attempt still counts, so hammering keeps the door shut.
 */
export async function chargeCustomerSend(
  db: Db,
  settings: Settings,
  scope: QuotaScope,
  send: { reply: boolean; files: Array<{ size: number }> },
  now: number,
): Promise<void> {
  const scopes = [`client:${scope.client}`, ...(scope.ticketId !== null ? [`ticket:${scope.ticketId}`] : [])];
  if (send.reply)
    await charge(
      db,
      scopes.map((s) => `reply:${s}`),
      1,
      settings['spam.repliesPerHour'],
      now,
      'message',
    );
  if (!send.files.length) return;
  const kilobytes = send.files.reduce((sum, f) => sum + Math.ceil(f.size / 1024), 0);
  await charge(
    db,
    scopes.map((s) => `upload-kb:${s}`),
    kilobytes,
    settings['attachments.quotaMbPerHour'] * 1024,
    now,
    'attachments',
  );
  await charge(
    db,
    scopes.map((s) => `upload-files:${s}`),
    send.files.length,
    settings['attachments.quotaFilesPerHour'],
    now,
    'attachments',
  );
}
