import type { Knex } from 'knex';
import { isUniqueViolation } from '../db/dialect';
import { withTransaction } from '../db/transaction';
import { claimFailedInboundMail, insertInboundMail, type InboundMailRow, type NewInboundMail } from './inbound.repo';
import type { ImportResult, IntakeDeps } from './intake-types';
import { dropRaw, keepRaw } from './raw-store';
import type { RefusalDecision } from './refusals';

/** The inbound record is either new (insert) or a kept-aside one being retried (claim). */
export type Recorder = {
  base: NewInboundMail;
  write(trx: Knex, patch: Partial<NewInboundMail>): Promise<number>;
};

export function newRecorder(base: NewInboundMail): Recorder {
  return { base, write: (trx, patch) => insertInboundMail(trx, { ...base, ...patch }) };
}

export function retryRecorder(row: InboundMailRow, now: number): Recorder {
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
export class AlreadyHandled extends Error {}

export const result = (
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
export async function refuse(deps: IntakeDeps, recorder: Recorder, refusal: RefusalDecision): Promise<ImportResult> {
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
export async function keepAside(
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
