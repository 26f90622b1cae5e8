import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import zlib from 'node:zlib';
import type { Knex } from 'knex';
import { clientOf } from '../dialect';
import { knownMigrations, migrateLatest, migratorConfig, migrationsTable } from '../migrate';
import { backupFormatVersion, isSafeRelativePath, type BackupHeader, type Manifest } from './archive-format';
import { kbSearchText } from '../../kb/kb-search-text';
import { foreignKeys, knownTables, tableShapes, type Column, type TableShape } from './table-shape';
import { rowsPerInsert, setIndexesAside } from './bulk-load';
import { holdBack, laterColumns, setLaterValues, type LaterValues } from './later-values';
import { fromPortable } from './values';

/** A restore that cannot start or did not finish; `state` says what the database holds now. */
export class RestoreError extends Error {
  constructor(
    message: string,
    readonly state: string,
  ) {
    super(message);
  }
}

export type RestoreResult = { schema: string; tables: Record<string, number>; files: number; migratedAfter: string[] };

const stateUntouched = 'The database and the attachment folder were not changed.';

/**
 * Tables a migration fills in, with how many rows (the resync passes; before 20261210100000 the
 * SLA and auto-close counters had a one-row table each): a freshly migrated database holds them,
 * so they do not make it "not empty", and the archive's rows replace the seeded ones.
 */
export const seededByMigrations: ReadonlyMap<string, number> = new Map([
  ['resync_passes', 2],
  ['sla_resync', 1],
  ['auto_close_resync', 1],
]);

async function assertEmpty(db: Knex): Promise<void> {
  for (const table of knownTables) {
    if (seededByMigrations.has(table) || !(await db.schema.hasTable(table))) continue;
    const row = await db(table).first(db.raw('1 as one'));
    if (row)
      throw new RestoreError(
        `the database is not empty (table ${table} has rows); restore only into an empty database`,
        stateUntouched,
      );
  }
}

/** PostgreSQL's folded KB search text (left out of backups, see derivedColumns), computed in batches. */
async function computeDerivedColumns(trx: Knex.Transaction): Promise<void> {
  if (clientOf(trx) !== 'postgres') return;
  for (let after = 0; ; ) {
    const rows = await trx('kb_article_versions')
      .where('id', '>', after)
      .orderBy('id')
      .limit(500)
      .select('id', 'title', 'keywords', 'body');
    if (!rows.length) return;
    for (const r of rows)
      await trx('kb_article_versions')
        .where({ id: r.id })
        .update({
          search_text: kbSearchText({ title: String(r.title), keywords: String(r.keywords), body: String(r.body) }),
        });
    after = Number(rows[rows.length - 1]!.id);
  }
}

/** Brings the schema to exactly the archive's version, so its rows fit the tables. */
async function migrateTo(db: Knex, schema: string): Promise<void> {
  const known = await knownMigrations();
  if (!known.includes(schema))
    throw new RestoreError(
      `the archive was made by a newer Tessera (schema ${schema}); update Tessera first`,
      stateUntouched,
    );
  const done = (await db.schema.hasTable(migrationsTable)) ? await db(migrationsTable).pluck<string[]>('name') : [];
  if (done.some((name) => name > schema))
    throw new RestoreError(
      `the database's schema is newer than the archive's (${schema}); restore into a database without tables`,
      stateUntouched,
    );
  for (const name of known) {
    if (name > schema) break;
    if (!done.includes(name)) await db.migrate.up({ ...migratorConfig(), name });
  }
}

async function sha256Of(file: string): Promise<string> {
  const hash = crypto.createHash('sha256');
  for await (const chunk of fs.createReadStream(file) as AsyncIterable<Buffer>) hash.update(chunk);
  return hash.digest('hex');
}

async function* lines(file: string): AsyncGenerator<unknown> {
  const input = fs.createReadStream(file).pipe(zlib.createGunzip());
  const rl = readline.createInterface({ input, crlfDelay: Infinity });
  let n = 0;
  for await (const line of rl) {
    n += 1;
    if (line === '') continue;
    try {
      yield JSON.parse(line) as unknown;
    } catch {
      throw new Error(`line ${n} of the archive is not valid JSON`);
    }
  }
}

async function readHeader(file: string): Promise<BackupHeader> {
  for await (const first of lines(file)) {
    const h = first as Partial<BackupHeader>;
    if (h.tessera_backup !== backupFormatVersion || typeof h.schema !== 'string')
      throw new RestoreError('this file is not a Tessera backup this version can read', stateUntouched);
    return h as BackupHeader;
  }
  throw new RestoreError('the archive is empty', stateUntouched);
}

async function resetSequences(trx: Knex, shapes: Map<string, TableShape>): Promise<void> {
  if (clientOf(trx) !== 'postgres') return; // MySQL and SQLite move their counters past inserted ids themselves
  for (const shape of shapes.values()) {
    if (shape.key.length !== 1) continue;
    const seq = (await trx.raw('select pg_get_serial_sequence(?, ?) as s', [shape.table, shape.key[0]!])) as {
      rows: Array<{ s: string | null }>;
    };
    const s = seq.rows[0]?.s;
    if (s)
      await trx.raw(`select setval(?, coalesce((select max(??) from ??), 0) + 1, false)`, [
        s,
        shape.key[0]!,
        shape.table,
      ]);
  }
}

/**
 * Loads an archive into an empty database and attachment folder. Every row goes in inside one
 * transaction that commits only after the last file's hash and the manifest's counts agree, so a
 * failure leaves the schema at the archive's version with no rows and no restored files.
 */
export async function restoreBackup(db: Knex, attachmentsDir: string, file: string): Promise<RestoreResult> {
  if (!fs.existsSync(file)) throw new RestoreError(`no such file: ${file}`, stateUntouched);
  const header = await readHeader(file);
  await assertEmpty(db);
  await migrateTo(db, header.schema);
  const shapes = await tableShapes(db);
  const keys = await foreignKeys(db);
  const written: string[] = [];
  const sqlite = clientOf(db) === 'sqlite';
  const tables: Record<string, number> = {};
  let files = 0;
  if (sqlite) await db.raw('PRAGMA foreign_keys = OFF');
  try {
    await db.transaction(async (trx) => {
      let table:
        | {
            shape: TableShape;
            columns: Array<Column | undefined>;
            later: Set<string>;
            batch: Record<string, unknown>[];
            batchSize: number;
          }
        | undefined;
      const loaded = new Set<string>();
      const pending: LaterValues[] = [];
      const buildIndexes = await setIndexesAside(trx, [...shapes.keys()]);
      let current:
        | { rel: string; out: number | null; existing: string | null; hash: crypto.Hash; size: number }
        | undefined;
      let manifest: Manifest | undefined;
      const flush = async () => {
        if (table && table.batch.length > 0) await trx(table.shape.table).insert(table.batch);
        if (table) table.batch = [];
      };
      let first = true;
      for await (const line of lines(file)) {
        if (first) {
          first = false;
          continue;
        }
        if (manifest) throw new Error('the archive goes on after its manifest');
        if (Array.isArray(line)) {
          if (!table) throw new Error('a row outside a table');
          const row: Record<string, unknown> = {};
          table.columns.forEach((c, i) => {
            if (c) row[c.name] = fromPortable(c.kind, line[i]);
          });
          if (table.later.size > 0) holdBack(table.shape, table.later, row, pending);
          table.batch.push(row);
          if (table.batch.length >= table.batchSize) await flush();
          continue;
        }
        const l = line as Record<string, unknown>;
        if (typeof l.table === 'string') {
          const shape = shapes.get(l.table);
          if (!shape) throw new Error(`the archive has a table this schema lacks: ${l.table.slice(0, 100)}`);
          const cols = l.columns as Array<[string, string]>;
          const columns = cols.map(([name]) => shape.columns.find((c) => c.name === name));
          const missing = cols.filter((_, i) => !columns[i]).map(([n]) => n);
          if (missing.length) throw new Error(`table ${shape.table} lacks columns ${missing.join(', ')}`);
          if (seededByMigrations.has(shape.table)) await trx(shape.table).del();
          table = {
            shape,
            columns,
            later: laterColumns(shape, keys, loaded),
            batch: [],
            batchSize: rowsPerInsert(trx, cols.length),
          };
        } else if (typeof l.end_table === 'string') {
          await flush();
          const count = Number((await trx(l.end_table).count({ n: '*' }))[0]!.n);
          if (count !== l.rows)
            throw new Error(`table ${l.end_table}: ${count} rows loaded, the archive says ${String(l.rows)}`);
          tables[l.end_table] = count;
          loaded.add(l.end_table);
          table = undefined;
        } else if (typeof l.file === 'string') {
          if (!isSafeRelativePath(l.file)) throw new Error(`unsafe file name in the archive: ${l.file.slice(0, 100)}`);
          const full = path.join(attachmentsDir, ...l.file.split('/'));
          fs.mkdirSync(path.dirname(full), { recursive: true, mode: 0o700 });
          // A file already there (restoring beside the old attachment folder) is kept if it is the same file.
          const existing = fs.existsSync(full) ? await sha256Of(full) : null;
          current = {
            rel: l.file,
            out: existing ? null : fs.openSync(full, 'wx', 0o600),
            existing,
            hash: crypto.createHash('sha256'),
            size: 0,
          };
          if (!existing) written.push(full);
        } else if (typeof l.chunk === 'string') {
          if (!current) throw new Error('file data outside a file');
          const bytes = Buffer.from(l.chunk, 'base64');
          current.hash.update(bytes);
          current.size += bytes.length;
          if (current.out !== null) fs.writeSync(current.out, bytes);
        } else if (typeof l.end_file === 'string') {
          if (!current || current.rel !== l.end_file) throw new Error('a file ends that did not start');
          if (current.out !== null) fs.closeSync(current.out);
          const sha = current.hash.digest('hex');
          if (sha !== l.sha256) throw new Error(`file ${current.rel} does not match its SHA-256`);
          if (current.existing !== null && current.existing !== sha)
            throw new Error(
              `file ${current.rel} already exists with other content; restore into an empty attachment folder`,
            );
          files += 1;
          current = undefined;
        } else if (l.manifest && typeof l.manifest === 'object') {
          manifest = l.manifest as Manifest;
        } else {
          throw new Error('the archive has a line this version does not know');
        }
      }
      if (!manifest) throw new Error('the archive ends before its manifest: it is cut short');
      for (const [name, n] of Object.entries(manifest.tables))
        if (tables[name] !== n) throw new Error(`table ${name} is missing from the archive`);
      if (Object.keys(manifest.files).length !== files)
        throw new Error('the archive holds fewer files than its manifest lists');
      await setLaterValues(trx, pending);
      if (sqlite) {
        const broken = (await trx.raw('PRAGMA foreign_key_check')) as unknown[];
        if (broken.length) throw new Error(`${broken.length} rows point at rows that do not exist`);
      }
      await computeDerivedColumns(trx);
      await buildIndexes();
      await resetSequences(trx, shapes);
    });
  } catch (err) {
    for (const f of written) fs.rmSync(f, { force: true });
    const message = err instanceof Error ? err.message : String(err);
    throw new RestoreError(
      message,
      `Nothing was loaded: the database has the schema of ${header.schema} and no rows, and no files were kept. Fix the cause and run the restore again.`,
    );
  } finally {
    if (sqlite) await db.raw('PRAGMA foreign_keys = ON');
  }
  const migratedAfter = await migrateLatest(db);
  return { schema: header.schema, tables, files, migratedAfter };
}
