import type { Knex } from 'knex';
import type { AttachmentStore } from '../attachments/attachment-store';
import { findTicketAttachments } from '../attachments/attachments.repo';

/**
 * Files of a staff reply go to the customer inside the mail up to this total (many mail servers
 * refuse messages past 10-25 MB, and base64 makes a file a third larger); the rest are linked.
 */
export const mailAttachmentLimitBytes = 10 * 1024 * 1024;

export type ReplyFile = { id: number; fileName: string; size: number };
export type MailFile = { id: number; name: string; size: number; url: string | null };

/**
 * Which files travel in the mail and which are linked: in the order they were added, each is
 * attached while the total stays within the limit, otherwise linked with `linkOf` (a signed
 * download link through the customer's attachment route, which checks the same access).
 */
export function filesForMail(
  files: ReplyFile[],
  linkOf: (id: number) => string,
  limit = mailAttachmentLimitBytes,
): MailFile[] {
  let total = 0;
  return files.map((f) => {
    const fits = total + f.size <= limit;
    if (fits) total += f.size;
    return { id: f.id, name: f.fileName, size: f.size, url: fits ? null : linkOf(f.id) };
  });
}

/** "1.5 MB", "820 kB", "12 bytes" in the reader's number format. */
export function formatFileSize(bytes: number, language: string): string {
  const fmt = (n: number) => new Intl.NumberFormat(language, { maximumFractionDigits: 1 }).format(n);
  if (bytes >= 1024 * 1024) return `${fmt(bytes / (1024 * 1024))} MB`;
  if (bytes >= 1024) return `${fmt(bytes / 1024)} kB`;
  return `${fmt(bytes)} B`;
}

export class MissingAttachmentError extends Error {}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

/**
 * The files a queued mail carries, read from the store when it is sent (so a re-send carries
 * them too). Only attachments of the mail's own ticket; one that is gone (the ticket was
 * deleted) makes the mail impossible to send as composed.
 */
export async function attachmentsForMail(db: Knex, store: AttachmentStore, ticketId: number | null, ids: number[]) {
  if (ids.length === 0) return [];
  const rows = ticketId === null ? [] : await findTicketAttachments(db, ticketId, ids);
  if (rows.length !== ids.length) throw new MissingAttachmentError('An attached file of this mail no longer exists.');
  return Promise.all(
    rows.map(async (r) => {
      try {
        return { filename: r.fileName, contentType: r.contentType, content: await readAll(store.open(r.storageKey)) };
      } catch {
        throw new MissingAttachmentError('An attached file of this mail could not be read from the attachment store.');
      }
    }),
  );
}
