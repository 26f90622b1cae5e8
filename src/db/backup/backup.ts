import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import zlib from 'node:zlib';
import type { Knex } from 'knex';
import { appVersion } from '../../paths';
import { clientOf } from '../dialect';
import { migrationsTable } from '../migrate';
import { backupFormatVersion, fileChunkBytes, type BackupHeader, type Manifest } from './archive-format';
import { tableShapes, tablesInForeignKeyOrder, type TableShape } from './table-shape';
import { toPortable } from './values';

const rowsPerRead = 2000;

export type BackupResult = { file: string; bytes: number; schema: string; manifest: Manifest };

/** Lines into a gzip file, waiting whenever the compressor's buffer is full (constant memory). */
class LineWriter {
  private readonly gzip = zlib.createGzip({ level: 6 });
  private readonly done: Promise<void>;
  constructor(file: string) {
    const out = fs.createWriteStream(file, { mode: 0o600 });
    this.gzip.pipe(out);
    this.done = finished(out);
    this.done.catch(() => undefined);
  }
  async write(value: unknown): Promise<void> {
    if (!this.gzip.write(JSON.stringify(value) + '\n')) await once(this.gzip, 'drain');
  }
  async close(): Promise<void> {
    this.gzip.end();
    await this.done;
  }
  destroy(): void {
    this.gzip.destroy();
  }
}

export async function schemaVersion(db: Knex): Promise<string | undefined> {
  if (!(await db.schema.hasTable(migrationsTable))) return undefined;
  const row = await db(migrationsTable).orderBy('name', 'desc').first<{ name: string } | undefined>('name');
  return row?.name;
}

/** Reads a table in primary key order, a batch at a time: the next batch starts after the last key. */
async function* tableRows(db: Knex, shape: TableShape): AsyncGenerator<Record<string, unknown>[]> {
  const key = shape.key.length > 0 ? shape.key : shape.columns.map((c) => c.name);
  let last: unknown[] | undefined;
  let offset = 0;
  for (;;) {
    const q = db(shape.table)
      .select('*')
      .orderBy(key.map((column) => ({ column, order: 'asc' as const })))
      .limit(rowsPerRead);
    if (shape.key.length === 0) q.offset(offset);
    else if (last && key.length === 1) q.where(key[0]!, '>', last[0] as Knex.Value);
    else if (last)
      q.whereRaw(`(${key.map(() => '??').join(', ')}) > (${key.map(() => '?').join(', ')})`, [
        ...key,
        ...(last as Knex.Value[]),
      ]);
    const rows = (await q) as Record<string, unknown>[];
    if (rows.length === 0) return;
    yield rows;
    if (rows.length < rowsPerRead) return;
    offset += rows.length;
    last = key.map((k) => rows[rows.length - 1]![k]);
  }
}

/** Every file under the attachment folder (uploads still being checked left out), sorted. */
export function attachmentFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string, rel: string) => {
    if (!fs.existsSync(dir)) return;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (rel === '' && entry.name === '.incoming') continue;
      const relPath = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(path.join(dir, entry.name), relPath);
      else if (entry.isFile()) out.push(relPath);
    }
  };
  walk(root, '');
  return out;
}

/**
 * Writes every Tessera table and attachment file into one archive. Tables are read inside one
 * read transaction, so they agree with each other; the file appears under its name only once
 * complete.
 */
export async function writeBackup(db: Knex, attachmentsDir: string, outFile: string): Promise<BackupResult> {
  const schema = await schemaVersion(db);
  if (!schema) throw new Error('the database has no Tessera schema to back up');
  const partial = `${outFile}.partial`;
  const writer = new LineWriter(partial);
  const manifest: Manifest = { tables: {}, files: {} };
  try {
    const header: BackupHeader = {
      tessera_backup: backupFormatVersion,
      schema,
      app_version: appVersion,
      source: clientOf(db),
      created_at: new Date().toISOString(),
    };
    await writer.write(header);
    const readTables = async (trx: Knex) => {
      const shapes = await tableShapes(trx);
      for (const table of await tablesInForeignKeyOrder(trx, [...shapes.keys()])) {
        const shape = shapes.get(table)!;
        await writer.write({ table, columns: shape.columns.map((c) => [c.name, c.kind]) });
        let count = 0;
        for await (const rows of tableRows(trx, shape)) {
          for (const row of rows) await writer.write(shape.columns.map((c) => toPortable(c.kind, row[c.name])));
          count += rows.length;
        }
        await writer.write({ end_table: table, rows: count });
        manifest.tables[table] = count;
      }
    };
    if (clientOf(db) === 'sqlite') await db.transaction(readTables);
    else await db.transaction(readTables, { isolationLevel: 'repeatable read' });

    for (const rel of attachmentFiles(attachmentsDir)) {
      const full = path.join(attachmentsDir, ...rel.split('/'));
      await writer.write({ file: rel, size: fs.statSync(full).size });
      const hash = crypto.createHash('sha256');
      let size = 0;
      for await (const chunk of fs.createReadStream(full, { highWaterMark: fileChunkBytes }) as AsyncIterable<Buffer>) {
        hash.update(chunk);
        size += chunk.length;
        await writer.write({ chunk: chunk.toString('base64') });
      }
      const sha256 = hash.digest('hex');
      await writer.write({ end_file: rel, sha256 });
      manifest.files[rel] = { size, sha256 };
    }
    await writer.write({ manifest });
    await writer.close();
    fs.renameSync(partial, outFile);
  } catch (err) {
    writer.destroy();
    fs.rmSync(partial, { force: true });
    throw err;
  }
  return { file: outFile, bytes: fs.statSync(outFile).size, schema, manifest };
}
