import { writeBackup, type BackupResult } from '../db/backup/backup';
import type { Db } from '../db/db';
import { insertBackupRun, latestBackupRuns, type BackupRun } from './backup-runs.repo';

/**
 * Makes a backup and records the run, finished or failed, so the admin page shows when the
 * last good one was made. A run whose record cannot be written still leaves its archive.
 */
export async function runBackup(
  db: Db,
  attachmentsDir: string,
  outFile: string,
  now: () => number = Date.now,
): Promise<BackupResult> {
  const startedAt = now();
  try {
    const result = await writeBackup(db, attachmentsDir, outFile);
    const rows = Object.values(result.manifest.tables).reduce((a, b) => a + b, 0);
    await insertBackupRun(db, {
      startedAt,
      finishedAt: now(),
      status: 'ok',
      file: result.file,
      bytes: result.bytes,
      rows,
      files: Object.keys(result.manifest.files).length,
      schemaVersion: result.schema,
      error: null,
    });
    return result;
  } catch (err) {
    const error = (err instanceof Error ? err.message : String(err)).slice(0, 2000);
    await insertBackupRun(db, {
      startedAt,
      finishedAt: now(),
      status: 'failed',
      file: outFile,
      bytes: null,
      rows: null,
      files: null,
      schemaVersion: null,
      error,
    }).catch(() => undefined);
    throw err;
  }
}

/** The last runs, newest first, and the last one that finished. */
export async function backupOverview(db: Db): Promise<{ runs: BackupRun[]; lastGood: BackupRun | null }> {
  const runs = await latestBackupRuns(db, 20);
  return { runs, lastGood: runs.find((r) => r.status === 'ok') ?? null };
}
