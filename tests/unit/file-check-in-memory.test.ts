import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkFile } from '../../src/attachments/file-check';

// A mail's part is checked from the bytes in memory (src/mail-intake/mail-files.ts): the verdict
// and the hash must be those of the same file read from disk.
const rules = { allowed: ['pdf', 'txt', 'png'], maxBytes: 1024 * 1024 };
let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-file-check-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function both(name: string, content: Buffer) {
  const file = path.join(dir, crypto.randomBytes(6).toString('hex'));
  fs.writeFileSync(file, content);
  const upload = { path: file, originalname: name, size: content.length };
  return Promise.all([checkFile(upload, rules), checkFile({ ...upload, content }, rules)]);
}

test('a PDF: the same type and hash from memory as from disk', async () => {
  const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n'), crypto.randomBytes(100 * 1024)]);
  const [fromDisk, fromMemory] = await both('report.pdf', pdf);
  expect(fromMemory).toEqual(fromDisk);
  expect(fromMemory).toMatchObject({
    file: { contentType: 'application/pdf', sha256: crypto.createHash('sha256').update(pdf).digest('hex') },
  });
});

test('a program named .pdf and a text file with NUL bytes are refused from memory as from disk', async () => {
  const program = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(200, 0x90)]);
  const [a, b] = await both('invoice.pdf', program);
  expect(b).toEqual(a);
  expect(b).toMatchObject({ problem: { key: 'attachments.contentMismatch' } });
  const [c, d] = await both('notes.txt', Buffer.from('text\u0000more'));
  expect(d).toEqual(c);
  expect(d).toMatchObject({ problem: { key: 'attachments.contentMismatch' } });
});

test('the head checked from memory is the first 64 KiB only, as from disk', async () => {
  // Text for 64 KiB, then a NUL: not looked at either way.
  const text = Buffer.concat([Buffer.alloc(64 * 1024, 0x61), Buffer.from([0])]);
  const [a, b] = await both('long.txt', text);
  expect(b).toEqual(a);
  expect(b).toMatchObject({ file: { contentType: expect.stringContaining('text/plain') } });
});
