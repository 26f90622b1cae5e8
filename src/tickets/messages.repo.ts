import type { Knex } from 'knex';
import { insertReturningId } from '../db/insert';

export type MessageKind = 'customer' | 'staff' | 'note';

/** The kinds of message a customer may see (never internal notes): one list for every customer-facing read. */
export const customerVisibleKinds: readonly MessageKind[] = ['customer', 'staff'];

export type MessageView = {
  id: number;
  kind: MessageKind;
  authorName: string;
  body: string;
  rating: number | null;
  createdAt: number;
};

export async function insertMessage(
  trx: Knex,
  row: {
    ticket_id: number;
    kind: MessageKind;
    staff_id?: number | null;
    customer_id?: number | null;
    author_name: string;
    body: string;
    ip?: string | null;
    submission_key?: string | null;
    /** The Message-ID of the customer's own mail, when the message came by e-mail (threading). */
    email_message_id?: string | null;
    created_at: number;
  },
): Promise<number> {
  return insertReturningId(trx, 'messages', { body_format: 'text', ...row });
}

export type KeyedMessage = {
  id: number;
  ticketId: number;
  kind: MessageKind;
  staffId: number | null;
  customerId: number | null;
};

/** The message a form's one-time submission key stored (unique index). */
export async function findMessageBySubmissionKey(db: Knex, key: string): Promise<KeyedMessage | undefined> {
  const row = await db('messages')
    .where({ submission_key: key })
    .first('id', 'ticket_id', 'kind', 'staff_id', 'customer_id');
  if (!row) return undefined;
  const idOrNull = (v: unknown) => (v == null ? null : Number(v));
  return {
    id: Number(row.id),
    ticketId: Number(row.ticket_id),
    kind: row.kind as MessageKind,
    staffId: idOrNull(row.staff_id),
    customerId: idOrNull(row.customer_id),
  };
}

/** The conversation as the customer may see it: never internal notes. */
export async function listCustomerMessages(db: Knex, ticketId: number): Promise<MessageView[]> {
  const rows = await db('messages')
    .where({ ticket_id: ticketId })
    .whereIn('kind', customerVisibleKinds)
    .orderBy('id')
    .select('id', 'kind', 'author_name', 'body', 'rating', 'created_at');
  return rows.map((r: Record<string, unknown>) => ({
    id: Number(r.id),
    kind: r.kind as MessageKind,
    authorName: String(r.author_name),
    body: String(r.body),
    rating: r.rating == null ? null : Number(r.rating),
    createdAt: Number(r.created_at),
  }));
}

export async function findMessageOfTicket(
  db: Knex,
  ticketId: number,
  messageId: number,
): Promise<{ id: number; kind: MessageKind; rating: number | null } | undefined> {
  const row = await db('messages').where({ id: messageId, ticket_id: ticketId }).first('id', 'kind', 'rating');
  return row
    ? { id: Number(row.id), kind: row.kind as MessageKind, rating: row.rating == null ? null : Number(row.rating) }
    : undefined;
}

export async function setMessageRating(trx: Knex, messageId: number, rating: 1 | -1): Promise<void> {
  await trx('messages').where({ id: messageId }).update({ rating });
}

/** viaEmail: a customer's message that came in by e-mail (it keeps the mail's Message-ID). */
export type StaffMessageView = MessageView & { staffId: number | null; viaEmail: boolean };

/** The whole conversation for staff: customer messages, replies and internal notes. */
export async function listAllMessages(db: Knex, ticketId: number): Promise<StaffMessageView[]> {
  const rows = await db('messages')
    .where({ ticket_id: ticketId })
    .orderBy('id')
    .select('id', 'kind', 'staff_id', 'author_name', 'body', 'rating', 'created_at', 'email_message_id');
  return rows.map((r: Record<string, unknown>) => ({
    id: Number(r.id),
    kind: r.kind as MessageKind,
    staffId: r.staff_id == null ? null : Number(r.staff_id),
    viaEmail: r.kind === 'customer' && r.email_message_id != null,
    authorName: String(r.author_name),
    body: String(r.body),
    rating: r.rating == null ? null : Number(r.rating),
    createdAt: Number(r.created_at),
  }));
}
