import type { MailboxObject } from 'imapflow';
import { classifyServerError, imapClient, serverLimits, type ServerAccess } from '../mailboxes/mail-servers';
import { saveImapPosition, type MailboxRow } from '../mailboxes/mailboxes.repo';
import { fetchPolicy, holdOn, importOne, importsAtOnceOf, outOfTime, type Run, RunStopped } from './mail-fetch-run';

/** Fetching an IMAP folder: new UIDs in batches, each acted on (seen, moved, deleted) after it was stored. */
export async function fetchImap(run: Run, access: ServerAccess): Promise<void> {
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
  const nextBatch = (): Listed[] => {
    const batch: Listed[] = [];
    let bytes = 0;
    while (
      i < listed.length &&
      batch.length < fetchPolicy.batchMessages &&
      (batch.length === 0 || bytes + (listed[i]!.size ?? 0) <= fetchPolicy.batchBytes)
    ) {
      bytes += listed[i]!.size ?? 0;
      batch.push(listed[i++]!);
    }
    return batch;
  };
  // With imports overlapped (MariaDB, PostgreSQL) the next batch is fetched while this one is
  // imported; a batch fetched ahead and not imported (the run stops) stays on the server
  // untouched. SQLite fetches each batch when it comes to it: fetching ahead there measured
  // ~10 % slower (the response is parsed in the one thread that imports).
  const ahead = importsAtOnceOf(run.deps) > 1;
  let batch = nextBatch();
  let fetching = ahead ? sourcesOf(client, batch) : null;
  while (batch.length) {
    if (outOfTime(run)) {
      run.more = true;
      return;
    }
    if (!(await holdOn(run))) throw new RunStopped('lease_lost', null);
    const sources = await (fetching ?? sourcesOf(client, batch));
    const following = nextBatch();
    fetching = ahead ? sourcesOf(client, following) : null;
    // The action after import (\Seen, move, delete) and the position are written once per
    // batch, not per message: one IMAP round trip and one commit instead of twenty. A run that
    // stops inside a batch (the database went away) still acts on the messages it stored and
    // moves the position past the ones handled before the first it could not; whatever it could
    // not record is imported again next time as a "duplicate" (the dedupe key), never as a
    // second ticket.
    const { done, through, failure } = await importBatch(run, batch, sources, lastUid);
    try {
      await recordBatch(run, client, done, validity, lastUid, through);
    } catch (err) {
      // After a failed batch this is best effort: the batch's own error is the one reported.
      if (!failure) throw err;
    }
    if (failure) throw failure.error;
    lastUid = through;
    batch = following;
  }
}

type Listed = { uid: number; size?: number };

/** The sources of a batch's messages that are not too big; started now, awaited later (never left rejected unseen). */
function sourcesOf(client: ReturnType<typeof imapClient>, batch: Listed[]): Promise<Map<number, Buffer>> {
  const wanted = batch.filter((m) => (m.size ?? 0) <= serverLimits.maxMessageBytes);
  const fetched = (async () => {
    const sources = new Map<number, Buffer>();
    if (!wanted.length) return sources;
    for (const m of await client.fetchAll(
      wanted.map((m) => m.uid).join(','),
      { uid: true, source: true },
      { uid: true },
    ))
      if (m.source) sources.set(m.uid, m.source);
    return sources;
  })();
  fetched.catch(() => undefined); // a batch fetched ahead and then dropped must not be an unhandled rejection
  return fetched;
}

type BatchOutcome = { done: number[]; through: number; failure: { error: unknown } | null };

/**
 * Imports a batch's messages, `importsAtOnceOf` at a time (one waits on the database
 * while the next is parsed). After a failed import no further one starts. `through` is the
 * last UID of the unbroken run of handled messages from the batch's start; `done` are all the
 * stored ones, also those after a failure (each is acted on only after its own import).
 */
async function importBatch(
  run: Run,
  batch: Listed[],
  sources: Map<number, Buffer>,
  from: number,
): Promise<BatchOutcome> {
  const handled: boolean[] = batch.map(() => false);
  const done: number[] = [];
  let failure: { error: unknown } | null = null;
  let next = 0;
  const worker = async () => {
    while (!failure && next < batch.length) {
      const index = next++;
      const m = batch[index]!;
      const source = sources.get(m.uid);
      if ((m.size ?? 0) > serverLimits.maxMessageBytes) {
        run.notes.push(`UID ${m.uid} (${Math.round((m.size ?? 0) / 1048576)} MB) left in the mailbox`);
      } else if (source) {
        try {
          await importOne(run, source);
        } catch (error) {
          failure ??= { error };
          return;
        }
        done.push(m.uid);
      } // else: removed from the folder since it was listed (by a person or another program)
      handled[index] = true;
    }
  };
  await Promise.all(Array.from({ length: importsAtOnceOf(run.deps) }, worker));
  let through = from;
  for (let k = 0; k < batch.length && handled[k]; k++) through = batch[k]!.uid;
  return { done: done.sort((a, b) => a - b), through, failure };
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
