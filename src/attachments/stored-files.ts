import type { Db } from '../db/db';
import { withTransaction } from '../db/transaction';
import type { AttachmentStore } from './attachment-store';
import { blobKeysAmong, releaseBlobIfUnused } from './blobs.repo';
import type { CheckedFile } from './file-check';

export type StoredFile = CheckedFile & { storageKey: string };

async function removeKeys(store: AttachmentStore, keys: string[]): Promise<void> {
  await Promise.all(keys.map((k) => store.remove(k).catch(() => undefined)));
}

/**
 * Moves checked uploads into the store and runs `work` (the transaction that records them, see
 * insertAttachments). On failure the files go again; on success so do the copies of content
 * that was stored already (their rows point at the earlier blob), so each content is kept once.
 */
export async function withAdoptedFiles<T>(
  deps: { db: Db; store: AttachmentStore },
  files: CheckedFile[],
  work: (stored: StoredFile[]) => Promise<T>,
): Promise<T> {
  const stored: StoredFile[] = [];
  let result: T;
  try {
    for (const f of files) stored.push({ ...f, storageKey: await deps.store.adopt(f.tempPath) });
    result = await work(stored);
  } catch (err) {
    await removeKeys(
      deps.store,
      stored.map((f) => f.storageKey),
    );
    throw err;
  }
  const keys = stored.map((f) => f.storageKey);
  // In doubt (the database gone right after the commit) every file stays: a stray copy costs space, a missing one a file.
  const kept = await blobKeysAmong(deps.db, keys).catch(() => keys);
  await removeKeys(
    deps.store,
    keys.filter((k) => !kept.includes(k)),
  );
  return result;
}

/**
 * After attachment rows were deleted (their transaction committed): removes each blob no other
 * row uses, and its file. A failure here leaves a blob without rows, which the cleanup job
 * releases later; a file is only removed once its blob row is gone.
 */
export async function releaseFiles(deps: { db: Db; store: AttachmentStore }, storageKeys: string[]): Promise<void> {
  for (const key of new Set(storageKeys)) {
    const released = await withTransaction(deps.db, (trx) => releaseBlobIfUnused(trx, key)).catch(() => false);
    if (released) await removeKeys(deps.store, [key]);
  }
}
