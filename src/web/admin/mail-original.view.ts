import type { Response } from 'express';

/**
 * What the pages that show a received mail share: the Content-Security-Policy that lets remote
 * images load only when staff asked for them (the sanitizer drops their addresses as well; the
 * policy holds even if it missed one), and the download of the raw .eml.
 */
export function allowRemoteImages(res: Response, remoteImages: boolean): void {
  if (!remoteImages) return;
  const policy = res.getHeader('Content-Security-Policy');
  if (typeof policy === 'string')
    res.setHeader('Content-Security-Policy', policy.replace(/img-src ([^;]*)/, 'img-src $1 https: http:'));
}

/** The raw mail as a download, never shown inline nor sniffed. */
export function sendRawMail(res: Response, raw: Buffer, name: string): void {
  res.setHeader('Content-Type', 'message/rfc822');
  res.setHeader('Content-Disposition', `attachment; filename="${name.replace(/[^A-Za-z0-9._-]/g, '_')}"`);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Content-Security-Policy', "default-src 'none'; sandbox");
  res.setHeader('Cache-Control', 'private, no-store');
  res.send(raw);
}

/** ?images=remote: the person asked to see the mail's remote images. */
export const wantsRemoteImages = (query: unknown): boolean =>
  typeof query === 'object' && query !== null && (query as Record<string, unknown>).images === 'remote';
