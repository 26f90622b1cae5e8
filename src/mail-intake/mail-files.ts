import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { AttachmentStore } from '../attachments/attachment-store';
import type { CheckedFile, FileProblem } from '../attachments/file-check';
import type { Settings } from '../settings/settings.schema';
import { checkUploads } from '../attachments/upload-check';
import type { MailFile } from './parse-mail';

export type MailFilesChecked = { accepted: CheckedFile[]; problems: FileProblem[]; cleanUp(): Promise<void> };

/**
 * A mail's files through the same checks as a web upload (count, size, type by content and the
 * allowed types). Real attachments come before inline pictures (signature logos), so the count
 * limit leaves off decorations first. Files that fail are left off and listed as problems (the
 * caller notes them in the message): the mail itself is still a question to answer.
 */
export async function checkMailFiles(
  store: AttachmentStore,
  files: MailFile[],
  settings: Settings,
): Promise<MailFilesChecked> {
  const ordered = [...files].sort((a, b) => Number(a.inline) - Number(b.inline));
  const max = settings['attachments.maxCount'];
  const problems: FileProblem[] = ordered
    .slice(max)
    .map((f) => ({ key: 'mailIntake.fileOverCount', vars: { name: f.fileName, max } }));
  const temps: string[] = [];
  const cleanUp = async () => {
    await Promise.all(temps.map((p) => fs.promises.rm(p, { force: true }).catch(() => undefined)));
  };
  try {
    const uploads = [];
    for (const f of ordered.slice(0, max)) {
      const temp = path.join(store.incomingDir, `mailpart-${crypto.randomBytes(12).toString('hex')}`);
      temps.push(temp);
      await fs.promises.writeFile(temp, f.content, { mode: 0o600 });
      uploads.push({ path: temp, originalname: f.fileName, size: f.content.length, content: f.content });
    }
    const checked = await checkUploads(uploads, settings);
    return { accepted: checked.accepted, problems: [...checked.problems, ...problems], cleanUp };
  } catch (err) {
    await cleanUp();
    throw err;
  }
}
