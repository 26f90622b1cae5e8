import crypto from 'node:crypto';
import type { Clock } from '../clock';
import type { Db } from '../db/db';
import type { Logger } from '../logger';
import { classifyServerError, type ServerProblem } from '../mailboxes/mail-servers';
import { renewMailboxLease, type MailboxLease, type MailboxRow } from '../mailboxes/mailboxes.repo';
import type { ImportResult, MailOrigin } from '../mail-intake/intake.service';

/** Timing and batch sizes of the fetch job (see mail-fetch.ts). */
export const fetchPolicy = {
  /** A mailbox is read again this long after a run that emptied it: new mail within a minute. */
  intervalMs: 30_000,
  /** After a failed run (server down, wrong password). */
  retryAfterErrorMs: 60_000,
  /** The hold on a mailbox; renewed while a run goes on, so only a dead process's runs out. */
  leaseMs: 180_000,
  /** A run's share of one runDueJobs call; a longer backlog goes on at the next call. */
  budgetMs: 40_000,
  mailboxesPerRun: 20,
  /** Messages fetched from an IMAP server in one command (and at most this many bytes). */
  batchMessages: 20,
  batchBytes: 16 * 1024 * 1024,
  /**
   * Imports of one batch running at once. One: a reply in the same batch as the mail it answers
   * must see that mail's ticket, which an import running beside it has not committed yet (it
   * would open a second ticket). More only once a batch is split into lanes of related mail
   * (same sender, or one naming another's Message-ID); tests may ask for more.
   */
  importsAtOnce: 1,
} as const;

/** How many imports of a batch run at once (FetchDeps.importsAtOnce, else the policy's). */
export const importsAtOnceOf = (deps: FetchDeps): number => deps.importsAtOnce ?? fetchPolicy.importsAtOnce;

export type MailImporter = (raw: Buffer, origin: MailOrigin) => Promise<ImportResult>;

export type FetchDeps = {
  db: Db;
  clock: Clock;
  logger: Logger;
  signingSecret: string;
  importMail: MailImporter;
  /** Overrides importsAtOnceOf's choice (tests). */
  importsAtOnce?: number;
};

/** Why a mailbox's run ended early; recorded in mailboxes.last_error as "<problem>: <detail>". */
export class RunStopped extends Error {
  constructor(
    readonly problem: ServerProblem | 'database' | 'action' | 'lease_lost',
    readonly detail: string | null,
  ) {
    super(detail ? `${problem}: ${detail}` : problem);
  }
}

export const newFetchWorkerName = () => `fetch-${process.pid}-${crypto.randomBytes(6).toString('hex')}`;

/** One mailbox's run: its lease, deadline and what it did so far. */
export type Run = {
  deps: FetchDeps;
  box: MailboxRow;
  lease: MailboxLease;
  deadline: number;
  stopSignal?: AbortSignal;
  origin: MailOrigin;
  imported: number;
  /** The budget or a stop request ended the run with mail left: come back at once. */
  more: boolean;
  /** Messages left on the server on purpose (too big), for last_error. */
  notes: string[];
};

export function serverStop(err: unknown): RunStopped {
  const f = classifyServerError(err);
  return new RunStopped(f.problem, f.serverText);
}

/** Keeps the lease alive during a long run; false when another worker has the mailbox now. */
export async function holdOn(run: Run): Promise<boolean> {
  const now = run.deps.clock.now();
  if (run.lease.until - now > fetchPolicy.leaseMs / 2) return true;
  run.lease = { worker: run.lease.worker, until: now + fetchPolicy.leaseMs };
  return renewMailboxLease(run.deps.db, run.box.id, run.lease);
}

export const outOfTime = (run: Run) => run.stopSignal?.aborted === true || run.deps.clock.now() >= run.deadline;

/** The import; a throw (no database) ends the run with the message still on the server. */
export async function importOne(run: Run, raw: Buffer): Promise<ImportResult> {
  try {
    const result = await run.deps.importMail(raw, run.origin);
    run.imported++;
    return result;
  } catch (err) {
    throw new RunStopped('database', err instanceof Error ? err.message.slice(0, 200) : 'the import failed');
  }
}
