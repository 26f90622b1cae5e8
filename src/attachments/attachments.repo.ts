import type { Knex } from 'knex';
import { customerVisibleKinds } from '../tickets/messages.repo';
import { takeBlob } from './blobs.repo';

export type AttachmentView = {
  id: number;
  messageId: number | null;
  fileName: string;
  contentType: string;
  size: number;
  storageKey: string;
};

/**
 * Records the files of a message. Each points at the one blob of its content (takeBlob): the
 * upload's own file when the content is new, the earlier file when it is not.
 */
export async function insertAttachments(
  trx: Knex,
  ticketId: number,
  messageId: number,
  files: Array<{ storageKey: string; fileName: string; contentType: string; size: number; sha256: string }>,
  now: number,
): Promise<void> {
  // Blobs are locked in one order (by content) so two messages with the same files wait, not deadlock.
  const keyOf = new Map<string, string>();
  for (const f of [...files].sort((a, b) => a.sha256.localeCompare(b.sha256)))
    if (!keyOf.has(f.sha256)) keyOf.set(f.sha256, await takeBlob(trx, f, now));
  for (const f of files) {
    await trx('attachments').insert({
      ticket_id: ticketId,
      message_id: messageId,
      storage_key: keyOf.get(f.sha256)!,
      file_name: f.fileName,
      content_type: f.contentType,
      size_bytes: f.size,
      sha256: f.sha256,
      created_at: now,
    });
  }
}

/** An attachments row (the columns as stored) as the pages and the API use it. */
export function toAttachmentView(r: Record<string, unknown>): AttachmentView {
  return {
    id: Number(r.id),
    messageId: r.message_id == null ? null : Number(r.message_id),
    fileName: String(r.file_name),
    contentType: String(r.content_type),
    size: Number(r.size_bytes),
    storageKey: String(r.storage_key),
  };
}

/** Attachments the customer may see: those of customer and staff messages, never of notes. */
export async function listCustomerAttachments(db: Knex, ticketId: number): Promise<AttachmentView[]> {
  const rows = await db('attachments as a')
    .join('messages as m', 'm.id', 'a.message_id')
    .where('a.ticket_id', ticketId)
    .whereIn('m.kind', customerVisibleKinds)
    .orderBy('a.id')
    .select('a.id', 'a.message_id', 'a.file_name', 'a.content_type', 'a.size_bytes', 'a.storage_key');
  return rows.map(toAttachmentView);
}

export async function findCustomerAttachment(
  db: Knex,
  ticketId: number,
  attachmentId: number,
): Promise<AttachmentView | undefined> {
  const row = await db('attachments as a')
    .join('messages as m', 'm.id', 'a.message_id')
    .where({ 'a.ticket_id': ticketId, 'a.id': attachmentId })
    .whereIn('m.kind', customerVisibleKinds)
    .first('a.id', 'a.message_id', 'a.file_name', 'a.content_type', 'a.size_bytes', 'a.storage_key');
  return row ? toAttachmentView(row) : undefined;
}

/** Every attachment of a ticket, notes' included: for staff. */
export async function listTicketAttachments(db: Knex, ticketId: number): Promise<AttachmentView[]> {
  const rows = await db('attachments')
    .where({ ticket_id: ticketId })
    .orderBy('id')
    .select('id', 'message_id', 'file_name', 'content_type', 'size_bytes', 'storage_key');
  return rows.map(toAttachmentView);
}

export async function findTicketAttachment(
  db: Knex,
  ticketId: number,
  attachmentId: number,
): Promise<AttachmentView | undefined> {
  const row = await db('attachments')
    .where({ ticket_id: ticketId, id: attachmentId })
    .first('id', 'message_id', 'file_name', 'content_type', 'size_bytes', 'storage_key');
  return row ? toAttachmentView(row) : undefined;
}

/** The files of one message (a staff reply's, for the mail that carries it). */
export async function listMessageAttachments(db: Knex, messageId: number): Promise<AttachmentView[]> {
  const rows = await db('attachments')
    .where({ message_id: messageId })
    .orderBy('id')
    .select('id', 'message_id', 'file_name', 'content_type', 'size_bytes', 'storage_key');
  return rows.map(toAttachmentView);
}

/** Those of `ids` that belong to the ticket. */
export async function findTicketAttachments(db: Knex, ticketId: number, ids: number[]): Promise<AttachmentView[]> {
  const rows = await db('attachments')
    .where({ ticket_id: ticketId })
    .whereIn('id', ids)
    .orderBy('id')
    .select('id', 'message_id', 'file_name', 'content_type', 'size_bytes', 'storage_key');
  return rows.map(toAttachmentView);
}
