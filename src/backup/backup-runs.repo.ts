import type { Db } from '../db/db';

export type BackupRun = {
  startedAt: number;
  finishedAt: number;
  status: 'ok' | 'failed';
  file: string;
  bytes: number | null;
  rows: number | null;
  files: number | null;
  schemaVersion: string | null;
  error: string | null;
};

type Row = {
  started_at: number;
  finished_at: number;
  status: string;
  file: string;
  bytes: number | null;
  rows_total: number | null;
  files: number | null;
  schema_version: string | null;
  error: string | null;
};

export async function insertBackupRun(db: Db, run: BackupRun): Promise<void> {
  await db('backup_runs').insert({
    started_at: run.startedAt,
    finished_at: run.finishedAt,
    status: run.status,
    file: run.file,
    bytes: run.bytes,
    rows_total: run.rows,
    files: run.files,
    schema_version: run.schemaVersion,
    error: run.error,
  });
}

export async function latestBackupRuns(db: Db, limit: number): Promise<BackupRun[]> {
  const rows = await db('backup_runs')
    .orderBy([
      { column: 'finished_at', order: 'desc' },
      { column: 'id', order: 'desc' },
    ])
    .limit(limit)
    .select<Row[]>('*');
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return rows.map((r) => ({
    startedAt: Number(r.started_at),
    finishedAt: Number(r.finished_at),
    status: r.status === 'ok' ? 'ok' : 'failed',
    file: r.file,
    bytes: num(r.bytes),
    rows: num(r.rows_total),
    files: num(r.files),
    schemaVersion: r.schema_version,
    error: r.error,
  }));
}
