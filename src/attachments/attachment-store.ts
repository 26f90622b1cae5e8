import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../errors';

/** A disk that cannot take the file: full, over quota, failing, or mounted read-only. */
const diskRefusals = new Set(['ENOSPC', 'EDQUOT', 'EIO', 'EROFS']);

export function isDiskRefusal(err: unknown): boolean {
  return diskRefusals.has(String((err as { code?: unknown })?.code ?? ''));
}

/**
 * Our disk refused an uploaded file (while it was received or moved into the store): the
 * sender's file was fine, nothing was kept, and trying again later may work, so 503 and not
 * "the upload could not be read". The disk's own error stays in `cause`, for the log.
 */
export class UploadNotStoredError extends AppError {
  constructor(override readonly cause: unknown) {
    super(
      503,
      'upload_not_stored',
      'The server could not store the upload. Nothing was saved; please try again later.',
    );
  }
}

/**
 * Where attachment files live, outside public/, under random names. An interface so an
 * S3-compatible store can replace the disk one.
 */
export interface AttachmentStore {
  /** Moves an uploaded temporary file into the store under a new random key. */
  adopt(tempPath: string): Promise<string>;
  open(key: string): fs.ReadStream;
  remove(key: string): Promise<void>;
  /** Folder for uploads still being checked (same file system, so adopting is a rename). */
  readonly incomingDir: string;
}

export class DiskAttachmentStore implements AttachmentStore {
  readonly incomingDir: string;

  constructor(private readonly root: string) {
    this.incomingDir = path.join(root, '.incoming');
    fs.mkdirSync(this.incomingDir, { recursive: true, mode: 0o700 });
  }

  private pathOf(key: string): string {
    if (!/^[a-f0-9]{40}$/.test(key)) throw new Error('invalid attachment key');
    return path.join(this.root, key.slice(0, 2), key.slice(2, 4), key);
  }

  async adopt(tempPath: string): Promise<string> {
    const key = crypto.randomBytes(20).toString('hex');
    const target = this.pathOf(key);
    try {
      await fs.promises.mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
      await fs.promises.rename(tempPath, target);
    } catch (err) {
      throw isDiskRefusal(err) ? new UploadNotStoredError(err) : err;
    }
    return key;
  }

  open(key: string): fs.ReadStream {
    return fs.createReadStream(this.pathOf(key));
  }

  async remove(key: string): Promise<void> {
    await fs.promises.rm(this.pathOf(key), { force: true });
  }
}
