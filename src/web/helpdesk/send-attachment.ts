import type { Response } from 'express';
import type { AttachmentStore } from '../../attachments/attachment-store';
import type { AttachmentView } from '../../attachments/attachments.repo';

/** How long a file anyone may read (a public article's picture) may be kept by caches. */
export const publicFileMaxAgeSeconds = 300;

/** RFC 6266 / 5987: an ASCII fallback and the exact UTF-8 name, never a raw header value. */
function contentDisposition(fileName: string, disposition: 'attachment' | 'inline'): string {
  const ascii = fileName.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `${disposition}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;
}

/**
 * Sends a stored file as a download: never displayed inline, never sniffed, and sandboxed should
 * a browser open it anyway, so an uploaded page or script cannot run on our origin. `inline` is
 * for a caller that checked the file is a plain raster image (png/jpeg/gif/webp, by content),
 * which a page shows with <img>; the other headers stay the same. Files are kept by no cache
 * unless the caller says the file is `public`: anyone may read it and this response carries no
 * session cookie, so a browser or a shared cache may keep it for a few minutes.
 */
export function sendAttachment(
  res: Response,
  attachment: Pick<AttachmentView, 'fileName' | 'contentType' | 'size' | 'storageKey'>,
  store: AttachmentStore,
  disposition: 'attachment' | 'inline' = 'attachment',
  audience: 'private' | 'public' = 'private',
): void {
  res.setHeader(
    'Content-Type',
    attachment.contentType.startsWith('text/') ? 'text/plain; charset=utf-8' : attachment.contentType,
  );
  res.setHeader('Content-Disposition', contentDisposition(attachment.fileName, disposition));
  res.setHeader('Content-Length', String(attachment.size));
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Content-Security-Policy', "default-src 'none'; sandbox");
  if (audience === 'public') {
    res.setHeader('Cache-Control', `public, max-age=${publicFileMaxAgeSeconds}`);
    // A shared cache would hand a cookie to everyone: the language cookie the i18n middleware
    // sets on every answer is dropped (a file has no language); the caller excluded sessions.
    res.removeHeader('Set-Cookie');
  } else {
    res.setHeader('Cache-Control', 'private, no-store');
  }
  const stream = store.open(attachment.storageKey);
  stream.on('error', () => {
    if (res.headersSent) return void res.destroy();
    // An empty "not found", not the file's headers (its length would leave the client waiting),
    // and never kept by a shared cache as this file's answer (the failure may pass).
    for (const name of ['Content-Length', 'Content-Disposition', 'Content-Type']) res.removeHeader(name);
    res.setHeader('Cache-Control', 'no-store');
    res.status(404).end();
  });
  stream.pipe(res);
}
