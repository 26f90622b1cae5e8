import type { Settings } from '../settings/settings.schema';
import { checkFile, type CheckedFile, type FileProblem } from './file-check';

/** `content`: the file's bytes when the caller still holds them (a mail's part), so they are not read back. */
export type Upload = { path: string; originalname: string; size: number; content?: Buffer };

/** Checks every upload against the attachment settings; problems are listed for the form. */
export async function checkUploads(
  files: Upload[],
  settings: Settings,
): Promise<{ accepted: CheckedFile[]; problems: FileProblem[] }> {
  const max = settings['attachments.maxCount'];
  if (files.length > max) return { accepted: [], problems: [{ key: 'attachments.tooMany', vars: { max } }] };
  const accepted: CheckedFile[] = [];
  const problems: FileProblem[] = [];
  for (const upload of files) {
    const result = await checkFile(upload, {
      allowed: settings['attachments.allowedTypes'],
      maxBytes: settings['attachments.maxSizeMb'] * 1024 * 1024,
    });
    if ('file' in result) accepted.push(result.file);
    else problems.push(result.problem);
  }
  return { accepted, problems };
}

/** One "key|{vars}" line per refused file, shown beside the attachments field. */
export function attachmentErrors(problems: FileProblem[]): string {
  return problems.map((p) => `${p.key}|${JSON.stringify(p.vars)}`).join('\n');
}
