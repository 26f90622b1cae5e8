import type { AttachmentStore } from '../attachments/attachment-store';
import { releaseFiles, withAdoptedFiles } from '../attachments/stored-files';
import { attachmentErrors, checkUploads, type Upload } from '../attachments/upload-check';
import { recordAudit } from '../audit/audit.repo';
import type { Db } from '../db/db';
import { withTransaction } from '../db/transaction';
import { NotFoundError, ValidationError } from '../errors';
import { storeOnceByKey, submittedKeyOf } from '../idempotency/submission-once';
import type { Settings } from '../settings/settings.schema';
import type { KbEditor } from './kb-admin.service';
import { findKbArticle, lockKbArticle } from './kb-articles.repo';
import {
  countKbFiles,
  deleteKbFile,
  findKbFile,
  findKbFilesBySubmissionKey,
  insertKbFiles,
  listKbFiles,
  type KbFile,
} from './kb-files.repo';
import { assertKbArticleReadable } from './kb-public.service';

type Deps = { db: Db; store: AttachmentStore };

/** At most this many files per article (the editor lists them all on one page). */
export const kbFilesPerArticle = 100;

/**
 * Raster images a browser shows without running anything: these are served inline (for <img>
 * in an article). Everything else, SVG above all (it can carry script), is a download.
 */
const inlineTypes = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);
export const isInlineKbFile = (file: Pick<KbFile, 'contentType'>) => inlineTypes.has(file.contentType);

/** The one address of an article's file: the Markdown body names it, the route serves it. */
export const kbFileHref = (articleId: number, fileId: number) => `/helpdesk/kb/${articleId}/files/${fileId}`;

/** What the editor offers to paste into the body: an image for pictures, a link for the rest. */
export function kbFileMarkdown(file: Pick<KbFile, 'id' | 'articleId' | 'fileName' | 'contentType'>): string {
  // An image's label is its alt text: the name without its extension, for the editor to improve.
  const name = isInlineKbFile(file) ? file.fileName.replace(/\.[^.]+$/, '') : file.fileName;
  const label = name.replace(/[[\]\\]/g, '').trim() || 'file';
  return `${isInlineKbFile(file) ? '!' : ''}[${label}](${kbFileHref(file.articleId, file.id)})`;
}

const audit = (
  db: Db,
  editor: KbEditor,
  action: string,
  articleId: number,
  details: Record<string, unknown>,
  now: number,
) =>
  recordAudit(
    db,
    {
      actor: { id: editor.id, name: editor.name },
      action,
      target: { type: 'kb_article', id: articleId },
      details,
      ip: editor.ip,
    },
    now,
  );

/**
 * Attaches uploaded files to an article: each checked by extension and content against the
 * attachment settings (size, count, types), moved into the store under a random name and
 * recorded with its blob in one transaction, with the audit row. The article's row is locked
 * while its files are counted, so two uploads at once cannot pass the per-article limit
 * together. A repeat of the same form (its one-time key) stores nothing again.
 */
export async function addKbFiles(
  deps: Deps,
  editor: KbEditor,
  articleId: number,
  uploads: Upload[],
  settings: Settings,
  input: unknown,
  now: number,
): Promise<number[]> {
  if (!Number.isSafeInteger(articleId) || !(await findKbArticle(deps.db, articleId))) throw new NotFoundError();
  if (!uploads.length) throw new ValidationError('Choose a file.', { attachments: 'kbFiles.errors.none' });
  const checked = await checkUploads(uploads, settings);
  if (checked.problems.length)
    throw new ValidationError('Check the files.', { attachments: attachmentErrors(checked.problems) });
  const store = (submissionKey: string | null) =>
    withAdoptedFiles(deps, checked.accepted, (files) =>
      withTransaction(deps.db, async (trx) => {
        if (!(await lockKbArticle(trx, articleId))) throw new NotFoundError();
        if ((await countKbFiles(trx, articleId)) + files.length > kbFilesPerArticle)
          throw new ValidationError('Too many files.', {
            attachments: `kbFiles.errors.tooMany|${JSON.stringify({ max: kbFilesPerArticle })}`,
          });
        const ids = await insertKbFiles(trx, articleId, files, { staffId: editor.id, submissionKey }, now);
        await audit(trx, editor, 'kb.file_added', articleId, { files: files.map((f) => f.fileName) }, now);
        return ids;
      }),
    );
  const earlier = async (key: string) => {
    const found = await findKbFilesBySubmissionKey(deps.db, key);
    return found
      ? { repeat: found.createdBy === editor.id && found.articleId === articleId, value: [] as number[] }
      : undefined;
  };
  return (await storeOnceByKey(submittedKeyOf(input), earlier, store)).value;
}

/** Removes one of an article's files; its stored file goes once nothing else uses the content. */
export async function removeKbFile(
  deps: Deps,
  editor: KbEditor,
  articleId: number,
  fileId: number,
  now: number,
): Promise<void> {
  const file =
    Number.isSafeInteger(articleId) && Number.isSafeInteger(fileId)
      ? await findKbFile(deps.db, articleId, fileId)
      : undefined;
  if (!file) throw new NotFoundError();
  const removed = await withTransaction(deps.db, async (trx) => {
    if (!(await deleteKbFile(trx, articleId, fileId))) return false;
    await audit(trx, editor, 'kb.file_removed', articleId, { file: file.fileName }, now);
    return true;
  });
  if (!removed) throw new NotFoundError();
  await releaseFiles(deps, [file.storageKey]);
}

/** Any article's files, for its editors (an unknown article is not found). */
export async function kbFilesForStaff(db: Db, articleId: number): Promise<KbFile[]> {
  if (!Number.isSafeInteger(articleId) || !(await findKbArticle(db, articleId))) throw new NotFoundError();
  return listKbFiles(db, articleId);
}

/**
 * A file as the reader may have it: staff with kb.manage get any article's; anyone else only a
 * file of an article customers can read (published, in a public category). Another article's
 * file id, an unknown one and a forbidden one all look the same: not found.
 */
export async function kbFileForReader(
  db: Db,
  reader: { manager: boolean },
  articleId: number,
  fileId: number,
): Promise<KbFile> {
  if (!reader.manager) await assertKbArticleReadable(db, articleId);
  const file =
    Number.isSafeInteger(articleId) && Number.isSafeInteger(fileId)
      ? await findKbFile(db, articleId, fileId)
      : undefined;
  if (!file) throw new NotFoundError();
  return file;
}

/** The files of an article customers can read, for the public API. */
export async function kbFilesForCustomer(db: Db, articleId: number): Promise<KbFile[]> {
  await assertKbArticleReadable(db, articleId);
  return listKbFiles(db, articleId);
}
