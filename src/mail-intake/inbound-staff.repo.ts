import type { Knex } from 'knex';
import type { InboundStatus } from './inbound.repo';

/** Where a page of the failed-mail list ends: the next page starts below it. */
export type InboundCursor = { receivedAt: number; id: number };

export type InboundListRow = {
  id: number;
  fromAddress: string | null;
  subject: string | null;
  reason: string | null;
  status: InboundStatus;
  receivedAt: number;
  hasRaw: boolean;
};

/**
 * One page of received mails in one state, newest first, keyset-paged by (received_at, id): the
 * (status, received_at) index gives the order, so a page costs the same on the millionth row.
 */
export async function listInboundPage(
  db: Knex,
  status: InboundStatus,
  cursor: InboundCursor | null,
  limit: number,
): Promise<{ rows: InboundListRow[]; next: InboundCursor | null }> {
  const q = db('inbound_mails')
    .where({ status })
    .orderBy([
      { column: 'received_at', order: 'desc' },
      { column: 'id', order: 'desc' },
    ])
    .limit(limit + 1)
    .select('id', 'from_address', 'subject', 'reason', 'status', 'received_at', 'raw_key');
  if (cursor)
    q.andWhere((w) =>
      w
        .where('received_at', '<', cursor.receivedAt)
        .orWhere((e) => e.where('received_at', cursor.receivedAt).andWhere('id', '<', cursor.id)),
    );
  const found = (await q) as Array<Record<string, unknown>>;
  const rows = found.slice(0, limit).map((r) => ({
    id: Number(r.id),
    fromAddress: (r.from_address as string | null) ?? null,
    subject: (r.subject as string | null) ?? null,
    reason: (r.reason as string | null) ?? null,
    status: r.status as InboundStatus,
    receivedAt: Number(r.received_at),
    hasRaw: Boolean(r.raw_key),
  }));
  const last = rows[rows.length - 1];
  return { rows, next: found.length > limit && last ? { receivedAt: last.receivedAt, id: last.id } : null };
}

/** The kept original of a message that came by e-mail, if the message is on this ticket (merges move messages). */
export async function originalOfMessage(
  db: Knex,
  ticketId: number,
  messageId: number,
): Promise<{ inboundId: number; rawKey: string } | undefined> {
  const row = await db('inbound_mails as i')
    .join('messages as m', 'm.id', 'i.message_id')
    .where('i.message_id', messageId)
    .andWhere('m.ticket_id', ticketId)
    .whereNotNull('i.raw_key')
    .first<{ id: number; raw_key: string } | undefined>('i.id', 'i.raw_key');
  return row && { inboundId: Number(row.id), rawKey: row.raw_key };
}

/** The messages of a ticket whose original e-mail is kept: each gets "Show original". */
export async function messagesWithOriginal(db: Knex, ticketId: number): Promise<Set<number>> {
  const ids = await db('messages as m')
    .join('inbound_mails as i', 'i.message_id', 'm.id')
    .where('m.ticket_id', ticketId)
    .whereNotNull('i.raw_key')
    .pluck<number[]>('m.id');
  return new Set(ids.map(Number));
}
