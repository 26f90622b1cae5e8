/**
 * A file name as uploaded, made safe to store and show: no folders, no control or bidi
 * characters (which can disguise "exe.txt" as "txt.exe"), at most 200 characters with the
 * extension kept. It is still escaped wherever it is shown.
 */
export function cleanFileName(original: unknown): string {
  const raw = typeof original === 'string' ? original : '';
  const base = raw.split(/[/\\]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  const clean = base
    .normalize('NFC')
    .replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g, '')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^\.+/, '');
  if (!clean) return 'attachment';
  if (clean.length <= 200) return clean;
  const dot = clean.lastIndexOf('.');
  const ext = dot > 0 && clean.length - dot <= 11 ? clean.slice(dot) : '';
  return clean.slice(0, 200 - ext.length) + ext;
}

export function extensionOf(fileName: string): string {
  const dot = fileName.lastIndexOf('.');
  return dot > 0 ? fileName.slice(dot + 1).toLowerCase() : '';
}
