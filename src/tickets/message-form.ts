import type { CheckedFile } from '../attachments/file-check';
import { attachmentErrors, checkUploads, type Upload } from '../attachments/upload-check';
import type { Settings } from '../settings/settings.schema';
import { replySchema } from './submission.schema';

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
  if (!parsed.success)
    errors[messageField] = parsed.error.issues[0]?.message.includes('.')
      ? parsed.error.issues[0].message
      : 'form.invalid';
  if (uploads.problems.length) errors.attachments = attachmentErrors(uploads.problems);
  return parsed.success && !uploads.problems.length
    ? { ok: true, message: parsed.data.message, files: uploads.accepted }
    : { ok: false, errors };
}
