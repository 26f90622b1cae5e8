import type { Response } from 'express';
import type { AttachmentStore } from '../../attachments/attachment-store';
import type { AttachmentView } from '../../attachments/attachments.repo';

/** RFC 6266 / 5987: an ASCII fallback and the exact UTF-8 name, never a raw header value. */
function contentDisposition(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;
}

/**
 * Sends a stored file as a download: never displayed inline, never sniffed, and sandboxed should
 * a browser open it anyway, so an uploaded page or script cannot run on our origin.
 */
export function sendAttachment(res: Response, attachment: AttachmentView, store: AttachmentStore): void {
  res.setHeader('Content-Type', attachment.contentType.startsWith('text/') ? 'text/plain; charset=utf-8' : attachment.contentType);
  res.setHeader('Content-Disposition', contentDisposition(attachment.fileName));
  res.setHeader('Content-Length', String(attachment.size));
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Content-Security-Policy', "default-src 'none'; sandbox");
  res.setHeader('Cache-Control', 'private, no-store');
  const stream = store.open(attachment.storageKey);
  stream.on('error', () => (res.headersSent ? res.destroy() : res.status(404).end()));
  stream.pipe(res);
}
