import fs from 'node:fs';
import path from 'node:path';
import type { AppConfig } from '../config/config.schema';
import type { Clock } from '../clock';
import type { Db } from '../db/db';
import { DiskAttachmentStore } from '../attachments/attachment-store';
import { unusedBlobKeys } from '../attachments/blobs.repo';
import { releaseFiles } from '../attachments/stored-files';
import { resolveFromRoot } from '../paths';
import { deleteExpiredCounters } from '../security/rate-limit.repo';
import { deleteExpiredSessions } from '../sessions/sessions.repo';
import { deleteExpiredStaffTokens } from '../staff/staff-tokens.repo';
import { sweepIdempotencyKeys } from '../idempotency/idempotency.service';
import { sweepKbLogs } from '../kb/kb-retention.service';
import type { SettingsService } from '../settings/settings.service';

const incomingMaxAgeMs = 3600_000;
/** Blobs are released when their rows go; one left without rows (a crash between) waits this long. */
const unusedBlobAgeMs = 3600_000;
/** Expired sessions go 500 rows per statement, at most 5,000 per run (a run every 10 s per process). */
const sessionSweep = { batch: 500, maxBatches: 10 };

/**
 * Housekeeping: expired sessions (in bounded batches), rate-limit counters whose window has
 * passed (their keys are typed by anyone, so the table would otherwise only grow), expired
 * invitation and password links, API
 * Idempotency-Keys older than a day, uploads a crashed request left in the incoming folder,
 * stored files no attachment uses any more (a process stopped between deleting a ticket and
 * removing its files), and knowledge-base search logs past their retention (in bounded batches).
 * Returns how much it removed.
 */
export async function sweepLeftovers(deps: {
  db: Db;
  clock: Clock;
  config: Pick<AppConfig, 'paths'>;
  settings: Pick<SettingsService, 'get'>;
}): Promise<{
  sessions: number;
  counters: number;
  files: number;
  staffTokens: number;
  blobs: number;
  idempotencyKeys: number;
  kbLogs: number;
}> {
  const now = deps.clock.now();
  const sessions = await deleteExpiredSessions(deps.db, now, sessionSweep);
  const counters = await deleteExpiredCounters(deps.db, now);
  const staffTokens = await deleteExpiredStaffTokens(deps.db, now);
  const idempotencyKeys = await sweepIdempotencyKeys(deps.db, now);
  const kb = await sweepKbLogs(deps.db, await deps.settings.get('kb.logRetentionDays'), now);
  const root = resolveFromRoot(deps.config.paths.attachments);
  const unused = await unusedBlobKeys(deps.db, now - unusedBlobAgeMs, 100);
  await releaseFiles({ db: deps.db, store: new DiskAttachmentStore(root) }, unused);
  const incoming = path.join(root, '.incoming');
  let files = 0;
  for (const name of await fs.promises.readdir(incoming).catch(() => [] as string[])) {
    const file = path.join(incoming, name);
    const stat = await fs.promises.stat(file).catch(() => null);
    if (stat?.isFile() && now - stat.mtimeMs > incomingMaxAgeMs) {
      await fs.promises.rm(file, { force: true });
      files++;
    }
  }
  return {
    sessions,
    counters,
    files,
    staffTokens,
    blobs: unused.length,
    idempotencyKeys,
    kbLogs: kb.searches + kb.suggestionSessions,
  };
}
