import type { Knex } from 'knex';
import { insertReturningId } from '../db/insert';

export type MessageKind = 'customer' | 'staff' | 'note';

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
  row: { ticket_id: number; kind: MessageKind; staff_id?: number | null; customer_id?: number | null; author_name: string; body: string; ip?: string | null; created_at: number },
): Promise<number> {
  return insertReturningId(trx, 'messages', { body_format: 'text', ...row });
}

/** The conversation as the customer may see it: never internal notes. */
export async function listCustomerMessages(db: Knex, ticketId: number): Promise<MessageView[]> {
  const rows = await db('messages').where({ ticket_id: ticketId }).whereIn('kind', ['customer', 'staff']).orderBy('id').select('id', 'kind', 'author_name', 'body', 'rating', 'created_at');
  return rows.map((r: Record<string, unknown>) => ({
    id: Number(r.id),
    kind: r.kind as MessageKind,
    authorName: String(r.author_name),
    body: String(r.body),
    rating: r.rating == null ? null : Number(r.rating),
    createdAt: Number(r.created_at),
  }));
}

export async function findMessageOfTicket(db: Knex, ticketId: number, messageId: number): Promise<{ id: number; kind: MessageKind; rating: number | null } | undefined> {
  const row = await db('messages').where({ id: messageId, ticket_id: ticketId }).first('id', 'kind', 'rating');
  return row ? { id: Number(row.id), kind: row.kind as MessageKind, rating: row.rating == null ? null : Number(row.rating) } : undefined;
}

export async function setMessageRating(trx: Knex, messageId: number, rating: 1 | -1): Promise<void> {
  await trx('messages').where({ id: messageId }).update({ rating });
}

export type StaffMessageView = MessageView & { staffId: number | null };

/** The whole conversation for staff: customer messages, replies and internal notes. */
export async function listAllMessages(db: Knex, ticketId: number): Promise<StaffMessageView[]> {
  const rows = await db('messages').where({ ticket_id: ticketId }).orderBy('id').select('id', 'kind', 'staff_id', 'author_name', 'body', 'rating', 'created_at');
  return rows.map((r: Record<string, unknown>) => ({
    id: Number(r.id),
    kind: r.kind as MessageKind,
    staffId: r.staff_id == null ? null : Number(r.staff_id),
    authorName: String(r.author_name),
    body: String(r.body),
    rating: r.rating == null ? null : Number(r.rating),
    createdAt: Number(r.created_at),
  }));
}
