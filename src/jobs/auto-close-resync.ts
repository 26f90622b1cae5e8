import type { Clock } from '../clock';
import type { Db } from '../db/db';
import { withTransaction } from '../db/transaction';
import type { Logger } from '../logger';
import { replanAutoClose } from '../auto-close/auto-close-schedule';
import { awaitingStatusKeys } from '../auto-close/auto-close.repo';
import { newWorkerName } from '../mail/delivery';
import type { SettingsService } from '../settings/settings.service';
import { releaseJobLease, takeJobLease } from './job-lease';
import { claimResyncPass, releaseResyncPass, saveResyncProgress } from './resync-pass.repo';
import { statusIdsWhere, ticketsAfter } from './ticket-walk.repo';
import { letRequestsIn } from './yield';

/** `batch`: tickets read per statement, by the primary key (any status; the waiting ones are re-planned). */
export const autoCloseResyncPolicy = { batch: 500, leaseMs: 60_000, budgetMs: 5_000 };

/**
 * Sets the closing time of every waiting ticket again after the desk's or a category's number
 * of days changed, and once after the upgrade for tickets that were waiting before auto-close
 * existed. Walks the tickets by id under the job's lease, keeping its cursor in the database,
 * so a run that ends goes on where it stopped; a change during a pass starts it again. A ticket
 * that fails is logged and passed (its next change plans it). Returns how many it planned.
 * Every read is a bounded range of the primary key and every ticket its own short transaction,
 * with a turn of the event loop after each (letRequestsIn): on SQLite's one connection, requests
 * go between them. A run plans at least one batch before it looks at its time budget (tickets read, not recomputed: closed ones cost reads too).
 */
export async function resyncAutoClose(
  deps: { db: Db; clock: Clock; logger: Logger; settings: SettingsService },
  opts: { batch?: number; budgetMs?: number; holder?: string } = {},
): Promise<number> {
  const name = 'auto-close-resync';
  if (!(await takeJobLease(deps.db, name, deps.clock.now(), autoCloseResyncPolicy.leaseMs, opts.holder))) return 0;
  const worker = newWorkerName();
  const lease = () => ({ worker, until: deps.clock.now() + autoCloseResyncPolicy.leaseMs });
  const batch = opts.batch ?? autoCloseResyncPolicy.batch;
  const started = Date.now();
  let done = 0;
  // Tickets read, not re-planned: with most tickets closed a run re-plans few but may read many.
  let walked = 0;
  let cursor = 0;
  let finished: number | null = null;
  try {
    const pass = await claimResyncPass(deps.db, name, lease(), deps.clock.now());
    if (!pass) return 0;
    ({ cursor } = pass);
    const awaiting = await statusIdsWhere(deps.db, { keys: awaitingStatusKeys });
    for (;;) {
      const tickets = await ticketsAfter(deps.db, cursor, batch);
      for (const ticket of tickets) {
        if (ticket.merged || !awaiting.has(ticket.statusId)) continue;
        try {
          await withTransaction(deps.db, (trx) => replanAutoClose(trx, deps.settings, ticket.id, deps.clock.now()));
          done += 1;
        } catch (err) {
          deps.logger.error(
            { err, ticketId: ticket.id },
            'auto-close re-plan failed for a ticket; the pass goes on without it',
          );
        }
        await letRequestsIn();
      }
      walked += tickets.length;
      cursor = tickets.at(-1)?.id ?? cursor;
      if (tickets.length < batch) {
        finished = pass.revision;
        return done;
      }
      if (!(await saveResyncProgress(deps.db, name, lease(), cursor))) return done;
      if (walked > 0 && Date.now() - started >= (opts.budgetMs ?? autoCloseResyncPolicy.budgetMs)) return done;
      await letRequestsIn();
    }
  } finally {
    // Gives the pass back with its cursor (a no-op when it was not taken or went to another worker).
    await releaseResyncPass(deps.db, name, worker, { cursor, finished }, deps.clock.now());
    await releaseJobLease(deps.db, name, opts.holder);
  }
}
