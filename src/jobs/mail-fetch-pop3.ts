import crypto from 'node:crypto';
import { pop3Session, serverLimits, type ServerAccess } from '../mailboxes/mail-servers';
import { addPop3Seen, forgetPop3Seen, pop3SeenHashes } from '../mailboxes/mailboxes.repo';
import { holdOn, importOne, outOfTime, type Run, RunStopped } from './mail-fetch-run';

/** Fetching a POP3 mailbox: the UIDLs done are remembered (hashed); deleted only after the import. */
export async function fetchPop3(run: Run, access: ServerAccess): Promise<void> {
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
