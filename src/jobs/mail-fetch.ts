import type { Db } from '../db/db';
import { mailboxAccess } from '../mailboxes/mailboxes.service';
import {
  claimMailbox,
  dueMailboxIds,
  releaseMailbox,
  type MailboxLease,
  type MailboxRow,
} from '../mailboxes/mailboxes.repo';
import { listPriorities } from '../tickets/statuses.repo';
import type { MailOrigin } from '../mail-intake/intake.service';
import { fetchImap } from './mail-fetch-imap';
import { fetchPop3 } from './mail-fetch-pop3';
import { type FetchDeps, fetchPolicy, newFetchWorkerName, type Run, RunStopped, serverStop } from './mail-fetch-run';

export { fetchPolicy, newFetchWorkerName, type FetchDeps, type MailImporter } from './mail-fetch-run';

/**
 * Fetching mail from the mailboxes on /admin/mailboxes, as a job of runDueJobs (the web
 * process's timer every few seconds, and `npm run cron`).
 *
 * - One process per mailbox at a time: a mailbox is taken with a conditional UPDATE of its
 *   lease (like mail_outbox), renewed while the run goes on, given back at the end. A process
 *   that dies leaves the lease to run out.
 * - A message is flagged, moved or deleted only after the import returned (stored, refused,
 *   duplicate or kept aside: all of them are recorded in inbound_mails). An import that throws
 *   (the database is down) leaves the message on the server and ends this mailbox's run.
 * - Nothing is imported twice: IMAP remembers the highest UID done per UIDVALIDITY, POP3 the
 *   UIDLs done, and the import itself de-duplicates by Message-ID (or the raw bytes' hash), so
 *   a position written late or lost costs a "duplicate", never a second ticket.
 */
export type FetchSummary = { mailboxes: number; imported: number; failed: number };

/** Every due mailbox once: claims it, fetches, gives it back with the outcome. */
export async function fetchDueMailboxes(
  deps: FetchDeps,
  opts: { stopSignal?: AbortSignal; budgetMs?: number } = {},
): Promise<FetchSummary> {
  const started = deps.clock.now();
  const deadline = started + (opts.budgetMs ?? fetchPolicy.budgetMs);
  const summary: FetchSummary = { mailboxes: 0, imported: 0, failed: 0 };
  const ids = await dueMailboxIds(deps.db, started, fetchPolicy.mailboxesPerRun);
  for (const id of ids) {
    if (opts.stopSignal?.aborted || deps.clock.now() >= deadline) break;
    const run = await claimAndFetch(deps, id, deadline, opts.stopSignal, false);
    if (run === 'busy') continue; // another process has it
    summary.mailboxes++;
    summary.imported += run.imported;
    if (run.error) summary.failed++;
  }
  return summary;
}

type RunResult = { imported: number; error: string | null };

async function claimAndFetch(
  deps: FetchDeps,
  id: number,
  deadline: number,
  stopSignal: AbortSignal | undefined,
  evenIfNotDue: boolean,
): Promise<RunResult | 'busy'> {
  const now = deps.clock.now();
  const lease = { worker: newFetchWorkerName(), until: now + fetchPolicy.leaseMs };
  const box = await claimMailbox(deps.db, id, lease, now, { evenIfNotDue });
  return box ? fetchMailbox(deps, box, lease, deadline, stopSignal) : 'busy';
}

/**
 * One run of one mailbox now, due or not (the IDLE listener heard of new mail): the same claim
 * and run as polling, so it is never fetched by two at once. 'busy': another run holds it.
 */
export async function fetchMailboxNow(
  deps: FetchDeps,
  id: number,
  stopSignal?: AbortSignal,
): Promise<RunResult | 'busy'> {
  return claimAndFetch(deps, id, deps.clock.now() + fetchPolicy.budgetMs, stopSignal, true);
}

async function originOf(db: Db, box: MailboxRow): Promise<MailOrigin> {
  const priority =
    box.priority_id === null ? undefined : (await listPriorities(db)).find((p) => Number(p.id) === box.priority_id);
  return {
    source: box.protocol,
    mailboxId: box.id,
    defaults: { categoryId: box.category_id, priorityKey: priority?.key ?? null },
  };
}

/** One run of one claimed mailbox; always gives the lease back (unless the database is gone). */
export async function fetchMailbox(
  deps: FetchDeps,
  box: MailboxRow,
  lease: MailboxLease,
  deadline: number,
  stopSignal?: AbortSignal,
): Promise<RunResult> {
  const run: Run = {
    deps,
    box,
    lease,
    deadline,
    stopSignal,
    origin: await originOf(deps.db, box),
    imported: 0,
    more: false,
    notes: [],
  };
  let error: string | null = null;
  try {
    const access = mailboxAccess(box, deps.signingSecret);
    if (box.protocol === 'imap') await fetchImap(run, access);
    else await fetchPop3(run, access);
    if (run.notes.length) error = `too_big: ${run.notes.join(', ')}`;
  } catch (err) {
    const stopped = err instanceof RunStopped ? err : serverStop(err);
    if (stopped.problem === 'lease_lost') return { imported: run.imported, error: null };
    // Cut by a stop request: not the server's fault; whatever is left is fetched at the next run.
    if (stopSignal?.aborted && stopped.problem !== 'database') run.more = true;
    else error = stopped.message;
    if (error)
      deps.logger.warn(
        { mailbox: box.id, problem: stopped.problem, detail: stopped.detail },
        'fetching a mailbox stopped',
      );
  }
  const now = deps.clock.now();
  const next = error ? now + fetchPolicy.retryAfterErrorMs : run.more ? now : now + fetchPolicy.intervalMs;
  try {
    await releaseMailbox(deps.db, box.id, lease.worker, { error, imported: run.imported, nextFetchAt: next }, now);
  } catch (err) {
    // The database is gone as well: the lease runs out and the mailbox is fetched again then.
    deps.logger.error({ err, mailbox: box.id }, 'could not record the fetch outcome');
  }
  return { imported: run.imported, error };
}
