import crypto from 'node:crypto';
import type { MailboxObject } from 'imapflow';
import type { Clock } from '../clock';
import type { Db } from '../db/db';
import type { Logger } from '../logger';
import {
  classifyServerError,
  imapClient,
  pop3Session,
  serverLimits,
  type ServerAccess,
  type ServerProblem,
} from '../mailboxes/mail-servers';
import { mailboxAccess } from '../mailboxes/mailboxes.service';
import {
  addPop3Seen,
  claimMailbox,
  dueMailboxIds,
  forgetPop3Seen,
  pop3SeenHashes,
  releaseMailbox,
  renewMailboxLease,
  saveImapPosition,
  type MailboxLease,
  type MailboxRow,
} from '../mailboxes/mailboxes.repo';
import { listPriorities } from '../tickets/statuses.repo';
import type { ImportResult, MailOrigin } from '../mail-intake/intake.service';

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
} as const;

export type MailImporter = (raw: Buffer, origin: MailOrigin) => Promise<ImportResult>;

export type FetchDeps = {
  db: Db;
  clock: Clock;
  logger: Logger;
  signingSecret: string;
  importMail: MailImporter;
};

export type FetchSummary = { mailboxes: number; imported: number; failed: number };

/** Why a mailbox's run ended early; recorded in mailboxes.last_error as "<problem>: <detail>". */
class RunStopped extends Error {
  constructor(
    readonly problem: ServerProblem | 'database' | 'action' | 'lease_lost',
    readonly detail: string | null,
  ) {
    super(detail ? `${problem}: ${detail}` : problem);
  }
}

export const newFetchWorkerName = () => `fetch-${process.pid}-${crypto.randomBytes(6).toString('hex')}`;

type Run = {
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

function serverStop(err: unknown): RunStopped {
  const f = classifyServerError(err);
  return new RunStopped(f.problem, f.serverText);
}

/** Keeps the lease alive during a long run; false when another worker has the mailbox now. */
async function holdOn(run: Run): Promise<boolean> {
  const now = run.deps.clock.now();
  if (run.lease.until - now > fetchPolicy.leaseMs / 2) return true;
  run.lease = { worker: run.lease.worker, until: now + fetchPolicy.leaseMs };
  return renewMailboxLease(run.deps.db, run.box.id, run.lease);
}

const outOfTime = (run: Run) => run.stopSignal?.aborted === true || run.deps.clock.now() >= run.deadline;

/** The import; a throw (no database) ends the run with the message still on the server. */
async function importOne(run: Run, raw: Buffer): Promise<ImportResult> {
  try {
    const result = await run.deps.importMail(raw, run.origin);
    run.imported++;
    return result;
  } catch (err) {
    throw new RunStopped('database', err instanceof Error ? err.message.slice(0, 200) : 'the import failed');
  }
}

async function fetchImap(run: Run, access: ServerAccess): Promise<void> {
  if (run.stopSignal?.aborted) {
    run.more = true;
    return;
  }
  const client = imapClient(access);
  client.on('error', () => undefined); // a dropped connection surfaces in the awaited command
  // A stop (the process shuts down, the IDLE listener that woke this run closes) cuts the
  // connection: the command waiting on the server fails at once instead of holding the stop.
  const cut = () => client.close();
  run.stopSignal?.addEventListener('abort', cut, { once: true });
  let connected = false;
  try {
    await client.connect();
    connected = true;
    let lock: Awaited<ReturnType<typeof client.getMailboxLock>>;
    try {
      lock = await client.getMailboxLock(access.folder);
    } catch (err) {
      const f = classifyServerError(err);
      throw new RunStopped(f.problem === 'other' ? 'folder' : f.problem, f.serverText);
    }
    try {
      await fetchImapFolder(run, client);
    } finally {
      lock.release();
    }
  } finally {
    run.stopSignal?.removeEventListener('abort', cut);
    // A failed or cut connection is closed too: its socket and timers must not outlive the run.
    if (connected && !run.stopSignal?.aborted) await client.logout().catch(() => client.close());
    else client.close();
  }
}

async function fetchImapFolder(run: Run, client: ReturnType<typeof imapClient>): Promise<void> {
  const { box, deps } = run;
  const mailbox = client.mailbox as MailboxObject;
  const validity = String(mailbox.uidValidity);
  let lastUid = box.imap_uidvalidity === validity ? box.imap_last_uid : 0;
  if (
    box.imap_uidvalidity !== validity &&
    !(await saveImapPosition(deps.db, box.id, run.lease.worker, validity, lastUid))
  )
    throw new RunStopped('lease_lost', null);
  if (mailbox.exists === 0) return;
  // "N:*" always names the last message, even when its UID is below N: filter.
  const listed = (await client.fetchAll(`${lastUid + 1}:*`, { uid: true, size: true }, { uid: true }))
    .filter((m) => m.uid > lastUid)
    .sort((a, b) => a.uid - b.uid);
  let i = 0;
  while (i < listed.length) {
    if (outOfTime(run)) {
      run.more = true;
      return;
    }
    if (!(await holdOn(run))) throw new RunStopped('lease_lost', null);
    const batch: typeof listed = [];
    let bytes = 0;
    while (
      i < listed.length &&
      batch.length < fetchPolicy.batchMessages &&
      (batch.length === 0 || bytes + (listed[i]!.size ?? 0) <= fetchPolicy.batchBytes)
    ) {
      bytes += listed[i]!.size ?? 0;
      batch.push(listed[i++]!);
    }
    const wanted = batch.filter((m) => (m.size ?? 0) <= serverLimits.maxMessageBytes);
    const sources = new Map<number, Buffer>();
    if (wanted.length) {
      for (const m of await client.fetchAll(
        wanted.map((m) => m.uid).join(','),
        { uid: true, source: true },
        { uid: true },
      )) {
        if (m.source) sources.set(m.uid, m.source);
      }
    }
    // The action after import (\Seen, move, delete) and the position are written once per
    // batch, not per message: one IMAP round trip and one commit instead of twenty. A run that
    // stops inside a batch (the database went away) still acts on the messages it stored and
    // moves the position past them; whatever it could not record is imported again next time
    // as a "duplicate" (the dedupe key), never as a second ticket.
    const done: number[] = [];
    let through = lastUid;
    let failure: { error: unknown } | null = null;
    try {
      for (const m of batch) {
        const source = sources.get(m.uid);
        if ((m.size ?? 0) > serverLimits.maxMessageBytes) {
          run.notes.push(`UID ${m.uid} (${Math.round((m.size ?? 0) / 1048576)} MB) left in the mailbox`);
        } else if (source) {
          await importOne(run, source);
          done.push(m.uid);
        } // else: removed from the folder since it was listed (by a person or another program)
        through = m.uid;
      }
    } catch (error) {
      failure = { error };
    }
    try {
      await recordBatch(run, client, done, validity, lastUid, through);
    } catch (err) {
      // After a failed batch this is best effort: the batch's own error is the one reported.
      if (!failure) throw err;
    }
    if (failure) throw failure.error;
    lastUid = through;
  }
}

/** Acts on the imported messages of a batch, then moves the position past what was handled. */
async function recordBatch(
  run: Run,
  client: ReturnType<typeof imapClient>,
  done: number[],
  validity: string,
  from: number,
  through: number,
): Promise<void> {
  if (done.length) await afterImap(client, run.box, done);
  if (through !== from && !(await saveImapPosition(run.deps.db, run.box.id, run.lease.worker, validity, through)))
    throw new RunStopped('lease_lost', null);
}

async function afterImap(client: ReturnType<typeof imapClient>, box: MailboxRow, uids: number[]): Promise<void> {
  const range = uids.join(',');
  let done = true;
  if (box.after_import === 'mark_seen') done = await client.messageFlagsAdd(range, ['\\Seen'], { uid: true });
  else if (box.after_import === 'move')
    done = (await client.messageMove(range, box.move_to ?? '', { uid: true })) !== false;
  else if (box.after_import === 'delete') done = await client.messageDelete(range, { uid: true });
  if (!done)
    throw new RunStopped(
      box.after_import === 'move' ? 'move_folder' : 'action',
      `${box.after_import} of UID ${range} failed; the messages were imported and stay in the folder`,
    );
}

async function fetchPop3(run: Run, access: ServerAccess): Promise<void> {
  const { box, deps } = run;
  const client = await pop3Session(access);
  let quit = true;
  try {
    const list = (await client.list()).map((m) => ({
      ...m,
      hash: crypto.createHash('sha256').update(m.uidl, 'latin1').digest('hex'),
    }));
    const seen = await pop3SeenHashes(deps.db, box.id);
    const present = new Set(list.map((m) => m.hash));
    await forgetPop3Seen(
      deps.db,
      box.id,
      [...seen].filter((h) => !present.has(h)),
    );
    for (const m of list) {
      if (outOfTime(run)) {
        run.more = true;
        break;
      }
      if (seen.has(m.hash)) {
        // Done at an earlier run whose deletion never reached the server (QUIT not sent).
        if (box.after_import === 'delete') await client.delete(m.number);
        continue;
      }
      if (m.size > serverLimits.maxMessageBytes) {
        run.notes.push(`message ${m.number} (${Math.round(m.size / 1048576)} MB) left in the mailbox`);
        continue;
      }
      if (!(await holdOn(run))) throw new RunStopped('lease_lost', null);
      const raw = await client.retrieve(m.number, serverLimits.maxMessageBytes);
      await importOne(run, raw);
      await addPop3Seen(deps.db, box.id, m.hash, deps.clock.now());
      if (box.after_import === 'delete') await client.delete(m.number);
    }
  } catch (err) {
    // The deletions of messages already stored are committed by QUIT, unless the server is gone.
    if (!(err instanceof RunStopped)) quit = false;
    throw err;
  } finally {
    if (quit) await client.quit().catch(() => undefined);
    else client.close();
  }
}
