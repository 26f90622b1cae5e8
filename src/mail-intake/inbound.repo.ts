import type { Knex } from 'knex';
import { insertReturningId } from '../db/insert';

export type InboundStatus = 'imported' | 'refused' | 'failed' | 'discarded';
export type InboundSource = 'pipe' | 'lmtp' | 'imap' | 'pop3';

export type InboundMailRow = {
  id: number;
  dedupe_key: string;
  message_id_header: string | null;
  source: InboundSource;
  mailbox_id: number | null;
  /** The envelope recipient the pipe was told (--recipient), if any. */
  envelope_recipient: string | null;
  from_address: string | null;
  subject: string | null;
  status: InboundStatus;
  reason: string | null;
  detail: string | null;
  ticket_id: number | null;
  message_id: number | null;
  raw_key: string | null;
  raw_size: number;
  attempts: number;
  received_at: number;
  updated_at: number;
};

export type NewInboundMail = Omit<InboundMailRow, 'id' | 'updated_at' | 'attempts'> & { attempts?: number };

const numeric = [
  'id',
  'mailbox_id',
  'ticket_id',
  'message_id',
  'raw_size',
  'attempts',
  'received_at',
  'updated_at',
] as const;

function toRow(r: Record<string, unknown>): InboundMailRow {
  const row = { ...r } as Record<string, unknown>;
  for (const k of numeric) row[k] = row[k] == null ? null : Number(row[k]);
  return row as InboundMailRow;
}

/**
 * Writes the record of one received mail. Its unique dedupe_key makes a second import of the
 * same mail fail here (a unique violation), inside the transaction that would store it again.
 */
export async function insertInboundMail(trx: Knex, row: NewInboundMail): Promise<number> {
  return insertReturningId(trx, 'inbound_mails', { attempts: 0, ...row, updated_at: row.received_at });
}

export async function findInboundMail(db: Knex, id: number): Promise<InboundMailRow | undefined> {
  const r = await db('inbound_mails').where({ id }).first();
  return r ? toRow(r) : undefined;
}

export async function findInboundByDedupeKey(db: Knex, dedupeKey: string): Promise<InboundMailRow | undefined> {
  const r = await db('inbound_mails').where({ dedupe_key: dedupeKey }).first();
  return r ? toRow(r) : undefined;
}

export async function updateInboundMail(
  trx: Knex,
  id: number,
  patch: Partial<Omit<InboundMailRow, 'id' | 'dedupe_key'>>,
  now: number,
): Promise<void> {
  await trx('inbound_mails')
    .where({ id })
    .update({ ...patch, updated_at: now });
}

/**
 * Moves a kept-aside mail from 'failed' to another state only if it is still failed: two staff
 * pressing "retry" or "discard" at once change it once (the count of changed rows says who won).
 */
export async function claimFailedInboundMail(
  trx: Knex,
  id: number,
  patch: Partial<Omit<InboundMailRow, 'id' | 'dedupe_key'>>,
  now: number,
): Promise<boolean> {
  const changed = await trx('inbound_mails')
    .where({ id, status: 'failed' })
    .update({ ...patch, updated_at: now });
  return Number(changed) === 1;
}

/** Newest first, keyset paged by id. For the failed-mail list (few rows: status leads the index). */
export async function listInboundMails(
  db: Knex,
  opts: { status: InboundStatus; limit: number; beforeId?: number | null },
): Promise<InboundMailRow[]> {
  const q = db('inbound_mails').where({ status: opts.status }).orderBy('id', 'desc').limit(opts.limit);
  if (opts.beforeId) q.andWhere('id', '<', opts.beforeId);
  return (await q.select()).map(toRow);
}

export async function countInboundMails(db: Knex, status: InboundStatus, cap = 1000): Promise<number> {
  const rows = await db('inbound_mails')
    .where({ status })
    .limit(cap + 1)
    .select('id');
  return rows.length;
}

/** The record of the mail a message came in with (its raw original for staff), if any. */
export async function findInboundMailOfMessage(db: Knex, messageId: number): Promise<InboundMailRow | undefined> {
  const r = await db('inbound_mails').where({ message_id: messageId }).first();
  return r ? toRow(r) : undefined;
}

/**
 * Forgets what identifies a person in the records of their mails (sender, subject, details, the
 * raw copy), for the privacy tools: by sender address, or by the messages of some tickets. The
 * rows stay (their dedupe keys keep a re-delivered mail from importing again); the raw copies'
 * store keys are returned, to remove after commit.
 */
export async function forgetInboundMails(
  trx: Knex,
  who: { fromAddress: string } | { ticketIds: number[] },
): Promise<string[]> {
  const rows = () =>
    'fromAddress' in who
      ? trx('inbound_mails').where({ from_address: who.fromAddress })
      : trx('inbound_mails').whereIn('message_id', trx('messages').whereIn('ticket_id', who.ticketIds).select('id'));
  const keys = (await rows().whereNotNull('raw_key').pluck('raw_key')).map(String);
  await rows().update({ from_address: null, subject: null, detail: null, message_id_header: null, raw_key: null });
  return keys;
}
