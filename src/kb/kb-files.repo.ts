import type { Knex } from 'knex';
import { takeBlob } from '../attachments/blobs.repo';
import { insertReturningId } from '../db/insert';

export type KbFile = {
  id: number;
  articleId: number;
  fileName: string;
  contentType: string;
  size: number;
  storageKey: string;
  createdAt: number;
};

const columns = ['id', 'article_id', 'file_name', 'content_type', 'size_bytes', 'storage_key', 'created_at'];
const toFile = (r: Record<string, unknown>): KbFile => ({
  id: Number(r.id),
  articleId: Number(r.article_id),
  fileName: String(r.file_name),
  contentType: String(r.content_type),
  size: Number(r.size_bytes),
  storageKey: String(r.storage_key),
  createdAt: Number(r.created_at),
});

/**
 * Records files of an article, each pointing at the one blob of its content (takeBlob; blobs
 * locked in content order, as insertAttachments does). Returns the new rows' ids in input order.
 */
export async function insertKbFiles(
  trx: Knex,
  articleId: number,
  files: Array<{ storageKey: string; fileName: string; contentType: string; size: number; sha256: string }>,
  by: { staffId: number; submissionKey: string | null },
  now: number,
): Promise<number[]> {
  const keyOf = new Map<string, string>();
  for (const f of [...files].sort((a, b) => a.sha256.localeCompare(b.sha256)))
    if (!keyOf.has(f.sha256)) keyOf.set(f.sha256, await takeBlob(trx, f, now));
  const ids: number[] = [];
  // The form's one-time key sits on the first row: one upload form, one set of rows.
  for (const [i, f] of files.entries()) {
    ids.push(
      await insertReturningId(trx, 'kb_article_files', {
        article_id: articleId,
        storage_key: keyOf.get(f.sha256)!,
        file_name: f.fileName,
        content_type: f.contentType,
        size_bytes: f.size,
        sha256: f.sha256,
        created_by: by.staffId,
        submission_key: i === 0 ? by.submissionKey : null,
        created_at: now,
      }),
    );
  }
  return ids;
}

export async function listKbFiles(db: Knex, articleId: number): Promise<KbFile[]> {
  return (await db('kb_article_files').where({ article_id: articleId }).orderBy('id').select(columns)).map(toFile);
}

export async function countKbFiles(db: Knex, articleId: number): Promise<number> {
  const row = await db('kb_article_files')
    .where({ article_id: articleId })
    .count<Array<{ n: number | string }>>({ n: '*' });
  return Number(row[0]?.n ?? 0);
}

/** The file only when it belongs to that article (another article's file id is not found). */
export async function findKbFile(db: Knex, articleId: number, fileId: number): Promise<KbFile | undefined> {
  const row = await db('kb_article_files').where({ article_id: articleId, id: fileId }).first(columns);
  return row ? toFile(row) : undefined;
}

/** The upload a form's one-time key stored: its article and who stored it. */
export async function findKbFilesBySubmissionKey(
  db: Knex,
  key: string,
): Promise<{ articleId: number; createdBy: number | null } | undefined> {
  const row = await db('kb_article_files').where({ submission_key: key }).first('article_id', 'created_by');
  return row
    ? { articleId: Number(row.article_id), createdBy: row.created_by == null ? null : Number(row.created_by) }
    : undefined;
}

export async function deleteKbFile(trx: Knex, articleId: number, fileId: number): Promise<boolean> {
  return (await trx('kb_article_files').where({ article_id: articleId, id: fileId }).del()) > 0;
}

/** The storage keys an article's files use (read before the article goes, to release them after). */
export async function kbFileKeysOf(db: Knex, articleId: number): Promise<string[]> {
  return (await db('kb_article_files').where({ article_id: articleId }).pluck('storage_key')).map(String);
}
