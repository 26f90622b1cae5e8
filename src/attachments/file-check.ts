import crypto from 'node:crypto';
import fs from 'node:fs';
import FileType from 'file-type';
import { cleanFileName, extensionOf } from './file-name';

/** Never accepted, whatever the settings say: active content and programs. */
const alwaysRefused = new Set([
  'html',
  'htm',
  'xhtml',
  'shtml',
  'svg',
  'svgz',
  'xml',
  'js',
  'mjs',
  'exe',
  'dll',
  'com',
  'bat',
  'cmd',
  'msi',
  'scr',
  'ps1',
  'vbs',
  'sh',
  'php',
  'phtml',
  'jar',
  'apk',
  'app',
  'hta',
  'lnk',
]);
/** Extensions whose content has no signature and must look like text. */
const textTypes = new Set(['txt', 'csv', 'log', 'md', 'json', 'eml']);
/** What the content of a file with this extension may be detected as. */
const expectedContent: Record<string, string[]> = {
  jpg: ['jpg'],
  jpeg: ['jpg'],
  png: ['png'],
  gif: ['gif'],
  webp: ['webp'],
  pdf: ['pdf'],
  zip: ['zip'],
  docx: ['docx', 'zip'],
  xlsx: ['xlsx', 'zip'],
  pptx: ['pptx', 'zip'],
  odt: ['odt', 'zip'],
  ods: ['ods', 'zip'],
  odp: ['odp', 'zip'],
  doc: ['cfb'],
  xls: ['cfb'],
  ppt: ['cfb'],
  mp4: ['mp4'],
  mp3: ['mp3'],
  heic: ['heic'],
  tif: ['tif'],
  tiff: ['tif'],
  bmp: ['bmp'],
  '7z': ['7z'],
  gz: ['gz'],
  rar: ['rar'],
};
const contentTypeOf: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  webp: 'image/webp',
  pdf: 'application/pdf',
  txt: 'text/plain',
  csv: 'text/csv',
  log: 'text/plain',
};

export type CheckedFile = { tempPath: string; fileName: string; contentType: string; size: number; sha256: string };
export type FileProblem = { key: string; vars: Record<string, string | number> };

async function sha256Of(file: string): Promise<string> {
  const hash = crypto.createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * How much of a file content detection looks at: walking a whole crafted file (a PNG of a
 * million empty chunks) would take seconds per upload.
 */
const headBytes = 64 * 1024;

/** The first `headBytes` of a file. */
async function headOf(file: string): Promise<Buffer> {
  const handle = await fs.promises.open(file, 'r');
  try {
    const buf = Buffer.alloc(headBytes);
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/**
 * Checks one uploaded file by its extension (the allow-list from the settings) and by its
 * content (a renamed program or a page disguised as a picture is refused).
 */
export async function checkFile(
  upload: { path: string; originalname: string; size: number; content?: Buffer },
  rules: { allowed: string[]; maxBytes: number },
): Promise<{ file: CheckedFile } | { problem: FileProblem }> {
  const fileName = cleanFileName(upload.originalname);
  const ext = extensionOf(fileName);
  const name = fileName;
  if (upload.size === 0) return { problem: { key: 'attachments.empty', vars: { name } } };
  if (upload.size > rules.maxBytes)
    return { problem: { key: 'attachments.tooLarge', vars: { name, max: Math.floor(rules.maxBytes / 1024 / 1024) } } };
  if (!ext || alwaysRefused.has(ext) || !rules.allowed.includes(ext))
    return { problem: { key: 'attachments.typeNotAllowed', vars: { name, types: rules.allowed.join(', ') } } };

  // A mail's part is still in memory: its head and hash are taken from there, not read back from disk.
  const head = upload.content ? upload.content.subarray(0, headBytes) : await headOf(upload.path);
  const detected = await FileType.fromBuffer(head);
  const ok = textTypes.has(ext)
    ? !detected && !head.includes(0)
    : detected
      ? (expectedContent[ext] ?? [ext]).includes(detected.ext)
      : false;
  if (!ok) return { problem: { key: 'attachments.contentMismatch', vars: { name } } };
  return {
    file: {
      tempPath: upload.path,
      fileName,
      contentType: contentTypeOf[ext] ?? detected?.mime ?? 'application/octet-stream',
      size: upload.size,
      sha256: upload.content
        ? crypto.createHash('sha256').update(upload.content).digest('hex')
        : await sha256Of(upload.path),
    },
  };
}
