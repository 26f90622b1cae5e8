import fs from 'node:fs';
import path from 'node:path';
import { isConnectionError } from '../db/dialect';
import type { Logger } from '../logger';
import type { ImportResult, MailOrigin } from './intake.service';
import { pipeInputCap } from './pipe-input';

/**
 * The mail spool that bin/tessera-mail-spool writes (maildir-style: tmp/ while written, new/ when
 * whole). Any number of processes (web processes, cron) import it at once: a mail is claimed by
 * renaming it from new/ into cur/ (only one rename wins), imported, then deleted. The import's
 * dedupe key makes that exactly once: a process that dies between the import and the delete
 * leaves the file in cur/, it goes back to new/ after `staleClaimMs`, and its second import is a
 * duplicate that creates nothing. A mail is deleted only once the import stored, refused or kept
 * it aside; when the database cannot be reached it goes back to new/ and the pass stops. Any
 * other failure belongs to that mail: it goes back with a failure counted and the pass goes on;
 * after `maxSpoolAttempts` it goes to failed/ (see setAside).
 */
export const spoolFolder = (dataDir: string) => path.join(dataDir, 'mail-spool');

/** A claim older than this was left by a process that died: the mail goes back to new/. */
export const staleClaimMs = 10 * 60_000;

export type SpoolSummary = { imported: number };
export type SpoolDeps = {
  importMail(raw: Buffer, origin: MailOrigin): Promise<ImportResult>;
  now(): number;
  logger: Pick<Logger, 'error'>;
};

/**
 * A claimed file's name records how often its import failed and when it was claimed:
 * `<name>,<failures>,<ms>`. A claim put back into new/ keeps that name (a name the spool program
 * never writes, so it can never replace a newer mail) and is claimed again under its new time:
 * the name does not grow however often it returns.
 */
type SpoolName = { base: string; failures: number };
function parseName(name: string): SpoolName {
  const parts = name.split(',');
  return { base: parts[0]!, failures: parts.length >= 3 ? Number(parts[1]) || 0 : 0 };
}
const claimedName = (name: SpoolName, at: number) => `${name.base},${name.failures},${at}`;
const claimedAt = (name: string) => Number(name.slice(name.lastIndexOf(',') + 1));

/** After this many failed imports a mail goes to failed/ (logged): one mail that always fails must not be retried for ever. */
export const maxSpoolAttempts = 5;

function missing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === 'ENOENT';
}

/** A file in tmp/ this old was left by a spool program that died (Maildir's 36 hours: a slow MTA may still be writing a younger one). */
export const staleWriteMs = 36 * 60 * 60_000;

/** Moves claims that a dead process left in cur/ back to new/, and deletes what a dead spool program left half-written in tmp/. */
async function returnStaleClaims(dir: string, now: number): Promise<void> {
  const ignoreGone = (err: unknown) => {
    if (!missing(err)) throw err; // another process handled it first
  };
  for (const name of await fs.promises.readdir(path.join(dir, 'cur'))) {
    if (!(claimedAt(name) <= now - staleClaimMs)) continue;
    await fs.promises.rename(path.join(dir, 'cur', name), path.join(dir, 'new', name)).catch(ignoreGone);
  }
  for (const name of await fs.promises.readdir(path.join(dir, 'tmp'))) {
    const file = path.join(dir, 'tmp', name);
    const stat = await fs.promises.stat(file).catch(() => null);
    if (stat && stat.mtimeMs <= now - staleWriteMs) await fs.promises.rm(file, { force: true });
  }
}

/**
 * A mail whose import failed for a reason of its own (the raw store or the disk refusing it):
 * back to new/ with one failure more, for a later pass, while this pass goes on with the others;
 * after `maxSpoolAttempts` failures into failed/, logged, for the administrator to look at.
 */
async function setAside(deps: SpoolDeps, dir: string, claimed: string, name: SpoolName, err: unknown): Promise<void> {
  if (name.failures < maxSpoolAttempts) {
    await fs.promises.rename(claimed, path.join(dir, 'new', claimedName(name, deps.now())));
    return;
  }
  await moveToFailed(deps, dir, claimed, name, { err, attempts: name.failures }, 'spooled mail could not be imported');
}

/** Moves a claimed file into failed/ (never deleted: the administrator decides) and logs why. */
async function moveToFailed(
  deps: SpoolDeps,
  dir: string,
  claimed: string,
  name: SpoolName,
  details: object,
  why: string,
): Promise<void> {
  const file = path.join(dir, 'failed', claimedName(name, deps.now()));
  await fs.promises.mkdir(path.join(dir, 'failed'), { recursive: true });
  await fs.promises.rename(claimed, file);
  deps.logger.error({ ...details, file }, `${why}; moved to the spool's failed/ folder`);
}

/**
 * What the import cannot be given: anything but a regular file (a symbolic link could point at
 * any file this process may read), or more than the pipe reads (pipeInputCap, the largest mail
 * limit and room for encoding): the pipe returns that to the sender, but the spool program has
 * already answered 0, so it is kept in failed/. A mail under that cap but over
 * `intake.maxMailMb` is read and kept aside by the import as too_big, as the pipe's is.
 */
async function unreadable(claimed: string): Promise<string | null> {
  const stat = await fs.promises.lstat(claimed);
  if (!stat.isFile()) return 'spooled entry is not a regular file (a symbolic link, a folder or a device)';
  if (stat.size > pipeInputCap)
    return `spooled mail of ${stat.size} bytes is larger than the ${pipeInputCap / 1024 / 1024} MB the import reads`;
  return null;
}

/**
 * Imports the mail waiting in the spool (in the folder's order) until it is empty, `budgetMs` ran out or
 * `stopSignal` fired. Throws what the import throws for an unreachable database, after putting
 * that mail back.
 */
export async function importSpool(
  deps: SpoolDeps,
  dir: string,
  opts: { budgetMs?: number; stopSignal?: AbortSignal } = {},
): Promise<SpoolSummary> {
  const summary: SpoolSummary = { imported: 0 };
  const started = deps.now();
  let names: string[];
  try {
    await returnStaleClaims(dir, started);
    names = await fs.promises.readdir(path.join(dir, 'new'));
  } catch (err) {
    if (missing(err)) return summary; // no spool: nobody delivers through it
    throw err;
  }
  for (const name of names) {
    if (opts.stopSignal?.aborted || (opts.budgetMs !== undefined && deps.now() - started > opts.budgetMs)) break;
    const parsed = parseName(name);
    const claimed = path.join(dir, 'cur', claimedName(parsed, deps.now()));
    try {
      await fs.promises.rename(path.join(dir, 'new', name), claimed);
    } catch (err) {
      if (missing(err)) continue; // another process claimed it
      throw err;
    }
    try {
      const refused = await unreadable(claimed);
      if (refused) {
        await moveToFailed(deps, dir, claimed, parsed, {}, refused);
        continue;
      }
      await deps.importMail(await fs.promises.readFile(claimed), { source: 'pipe', mailboxId: null });
    } catch (err) {
      if (isConnectionError(err)) {
        // The database is down for every mail: back under its claimed name, and the pass stops.
        await fs.promises.rename(claimed, path.join(dir, 'new', path.basename(claimed)));
        throw err;
      }
      await setAside(deps, dir, claimed, { ...parsed, failures: parsed.failures + 1 }, err);
      continue;
    }
    await fs.promises.rm(claimed, { force: true });
    summary.imported++;
  }
  return summary;
}
