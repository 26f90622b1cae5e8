import type { Knex } from 'knex';
import { lockedForUpdate } from '../db/dialect';

/**
 * One stored file per content. Taking a blob for a new attachment writes its row (an upsert on
 * the SHA-256), which locks it until the transaction ends; releasing one locks it first as well.
 * So a release either waits for the attachment that is being added and then sees it, or
 * finishes first, and the upsert then stores a new blob with the new upload's own file.
 */
export async function takeBlob(
  trx: Knex,
  file: { sha256: string; storageKey: string; size: number },
  now: number,
): Promise<string> {
  await trx('attachment_blobs')
    .insert({ sha256: file.sha256, storage_key: file.storageKey, size_bytes: file.size, created_at: now, used_at: now })
    .onConflict('sha256')
    .merge(['used_at']);
  const row = await lockedForUpdate(trx, trx('attachment_blobs').where({ sha256: file.sha256 }).first('storage_key'));
  return String(row.storage_key);
}

/** Which of these storage keys are blobs (the others were duplicates of stored content). */
export async function blobKeysAmong(db: Knex, keys: string[]): Promise<string[]> {
  if (!keys.length) return [];
  return (await db('attachment_blobs').whereIn('storage_key', keys).pluck('storage_key')).map(String);
}

/** Forgets the blob when no attachment row (of a ticket or a knowledge-base article) uses it any more; true when it did (its file may go). */
export async function releaseBlobIfUnused(trx: Knex, storageKey: string): Promise<boolean> {
  const blob = await lockedForUpdate(trx, trx('attachment_blobs').where({ storage_key: storageKey }).first('id'));
  if (!blob) return false;
  if (await trx('attachments').where({ storage_key: storageKey }).first('id')) return false;
  if (await trx('kb_article_files').where({ storage_key: storageKey }).first('id')) return false;
  await trx('attachment_blobs').where({ id: blob.id }).del();
  return true;
}

/** Blobs no row uses, left by a process that stopped between a delete and its release. */
export async function unusedBlobKeys(db: Knex, usedBefore: number, limit: number): Promise<string[]> {
  const rows = await db('attachment_blobs as b')
    .where('b.used_at', '<', usedBefore)
    .whereNotExists(db('attachments as a').whereRaw('a.storage_key = b.storage_key').select('a.id'))
    .whereNotExists(db('kb_article_files as k').whereRaw('k.storage_key = b.storage_key').select('k.id'))
    .limit(limit)
    .pluck('b.storage_key');
  return rows.map(String);
}
