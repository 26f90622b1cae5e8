import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { AttachmentStore } from '../attachments/attachment-store';

/**
 * Keeps the raw bytes of a mail in the attachment store (the original that staff can open, and
 * what a kept-aside mail is retried from). Written to the store's incoming folder first and
 * then adopted, so a half-written file never carries a key.
 */
export async function keepRaw(store: AttachmentStore, raw: Buffer): Promise<string> {
  const temp = path.join(store.incomingDir, `mail-${crypto.randomBytes(12).toString('hex')}.eml`);
  try {
    await fs.promises.writeFile(temp, raw, { mode: 0o600 });
    return await store.adopt(temp);
  } catch (err) {
    await fs.promises.rm(temp, { force: true }).catch(() => undefined);
    throw err;
  }
}

export async function readRaw(store: AttachmentStore, key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of store.open(key)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function dropRaw(store: AttachmentStore, key: string | null): Promise<void> {
  if (key) await store.remove(key).catch(() => undefined);
}
