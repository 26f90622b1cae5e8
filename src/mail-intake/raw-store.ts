import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { AttachmentStore } from '../attachments/attachment-store';

/**
 * Keeps the raw bytes of a mail in the attachment store (the original that staff can open, and
 * what a kept-aside mail is retried from). Written to the store's incoming folder first and
 * then adopted, so a half-written file never carries a key.
 */
export async function keepRaw(store: AttachmentStore, raw: Buffer, fromFile?: string): Promise<string> {
  const temp = path.join(store.incomingDir, `mail-${crypto.randomBytes(12).toString('hex')}.eml`);
  try {
    if (!(fromFile && (await linkedPrivately(fromFile, temp, raw.length))))
      await fs.promises.writeFile(temp, raw, { mode: 0o600 });
    return await store.adopt(temp);
  } catch (err) {
    await fs.promises.rm(temp, { force: true }).catch(() => undefined);
    throw err;
  }
}

/**
 * Keeps the file the raw bytes were read from (a claimed spool file, deleted after the import) by
 * a hard link instead of writing them a second time: only a regular file of this process's own
 * user with no other link and the bytes' size, made private (0600) like a written copy. False
 * when it is not such a file or cannot be linked (another file system, a refusal): then the
 * bytes are written as usual.
 */
async function linkedPrivately(fromFile: string, temp: string, size: number): Promise<boolean> {
  const stat = await fs.promises.lstat(fromFile).catch(() => null);
  const own = process.getuid?.();
  if (!stat?.isFile() || own === undefined || stat.uid !== own || stat.nlink !== 1 || stat.size !== size) return false;
  try {
    await fs.promises.link(fromFile, temp);
  } catch {
    return false;
  }
  await fs.promises.chmod(temp, 0o600);
  return true;
}

export async function readRaw(store: AttachmentStore, key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of store.open(key)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function dropRaw(store: AttachmentStore, key: string | null): Promise<void> {
  if (key) await store.remove(key).catch(() => undefined);
}
