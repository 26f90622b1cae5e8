/**
 * A Tessera backup is one gzip stream of JSON lines (decision 2026-12-07 "Backup archive"):
 *   {"tessera_backup":1, "schema": <last migration>, ...}            header
 *   {"table": name, "columns": [[name, kind], ...]}                  then one array per row
 *   {"end_table": name, "rows": n}
 *   {"file": relative path, "size": n}  {"chunk": base64} ...  {"end_file": path, "sha256": hex}
 *   {"manifest": {"tables": {name: rows}, "files": {path: {size, sha256}}}}   last line
 * Rows are arrays so a reader tells them from the other lines by their shape.
 */
export const backupFormatVersion = 1;

export type BackupHeader = {
  tessera_backup: number;
  schema: string;
  app_version: string;
  source: string;
  created_at: string;
};
export type TableStart = { table: string; columns: Array<[string, string]> };
export type TableEnd = { end_table: string; rows: number };
export type FileStart = { file: string; size: number };
export type FileChunk = { chunk: string };
export type FileEnd = { end_file: string; sha256: string };
export type Manifest = { tables: Record<string, number>; files: Record<string, { size: number; sha256: string }> };
export type ManifestLine = { manifest: Manifest };

/** Raw bytes per file chunk line. */
export const fileChunkBytes = 192 * 1024;

/** A stored file's path inside the attachment folder: relative, forward slashes, no way out. */
export function isSafeRelativePath(p: string): boolean {
  return (
    p.length > 0 &&
    p.length < 1024 &&
    !p.startsWith('/') &&
    !p.includes('\\') &&
    !p.includes('\0') &&
    p.split('/').every((s) => s !== '' && s !== '.' && s !== '..')
  );
}
