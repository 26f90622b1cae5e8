import { checkFile, type CheckedFile, type FileProblem } from '../attachments/file-check';
import type { Settings } from '../settings/settings.schema';
import { replySchema } from './submission.schema';

export type Upload = { path: string; originalname: string; size: number };

/** Checks every upload against the attachment settings; problems are listed for the form. */
export async function checkUploads(files: Upload[], settings: Settings): Promise<{ accepted: CheckedFile[]; problems: FileProblem[] }> {
  const max = settings['attachments.maxCount'];
  if (files.length > max) return { accepted: [], problems: [{ key: 'attachments.tooMany', vars: { max } }] };
  const accepted: CheckedFile[] = [];
  const problems: FileProblem[] = [];
  for (const upload of files) {
    const result = await checkFile(upload, { allowed: settings['attachments.allowedTypes'], maxBytes: settings['attachments.maxSizeMb'] * 1024 * 1024 });
    if ('file' in result) accepted.push(result.file);
    else problems.push(result.problem);
  }
  return { accepted, problems };
}

/** One "key|{vars}" line per refused file, shown beside the attachments field. */
export function attachmentErrors(problems: FileProblem[]): string {
  return problems.map((p) => `${p.key}|${JSON.stringify(p.vars)}`).join('\n');
}

/**
 * A message with files (a customer's reply, a staff reply or note): the text checked like a
 * ticket's message, the files against the attachment settings. Errors are locale keys under
 * `messageField` and "attachments".
 */
export async function checkMessageForm(
  body: Record<string, unknown>,
  files: Upload[],
  settings: Settings,
  messageField = 'message',
): Promise<{ ok: true; message: string; files: CheckedFile[] } | { ok: false; errors: Record<string, string> }> {
  const parsed = replySchema.safeParse(body);
  const uploads = await checkUploads(files, settings);
  const errors: Record<string, string> = {};
  if (!parsed.success) errors[messageField] = parsed.error.issues[0]?.message.includes('.') ? parsed.error.issues[0].message : 'form.invalid';
  if (uploads.problems.length) errors.attachments = attachmentErrors(uploads.problems);
  return parsed.success && !uploads.problems.length ? { ok: true, message: parsed.data.message, files: uploads.accepted } : { ok: false, errors };
}
