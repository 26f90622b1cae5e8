import type { Clock } from '../clock';
import type { Db } from '../db/db';
import { withTransaction } from '../db/transaction';
import type { Logger } from '../logger';
import { newWorkerName } from '../mail/delivery';
import { claimResyncPass, releaseResyncPass, saveResyncProgress } from './resync-pass.repo';
import { planTicketEscalations } from '../sla/escalation-schedule';
import { syncTicketClocks } from '../sla/sla-clocks';
import { statusIdsWhere, ticketsAfter } from './ticket-walk.repo';
import { letRequestsIn } from './yield';

const passName = 'sla-resync';
/** `batch`: tickets read per statement, by the primary key (any status; the open ones are recomputed). */
export const resyncPolicy = { batch: 500, leaseMs: 60_000, budgetMs: 5_000 };

/**
 * Recomputes the clocks of every open ticket after a policy or calendar changed (hours,
 * holidays, time zone, targets, conditions). An edit counts up the revision of the
 * 'sla-resync' pass (resync-pass.repo.ts); this job walks the open tickets by id, a batch at a
 * time, under a lease in the database (two processes never work the same pass), and keeps its
 * cursor there, so a run that ends (budget
 * spent, process stopped) goes on from where it stopped. An edit during a pass starts the pass
 * again from the first ticket, for the newest revision. Each ticket's escalation schedule is
 * re-planned with its clocks (a level added or removed counts up the revision as well). A ticket
 * that fails is logged and passed: the pass goes on, and the ticket's next change recomputes it.
 * Returns how many tickets it recomputed. Every read is a bounded range of the primary key and
 * every ticket its own short transaction, with a turn of the event loop after each
 * (letRequestsIn): on SQLite's one connection, requests go between them. A run recomputes at
 * least one batch before it looks at its time budget (tickets read, not recomputed: closed ones cost reads too).
 */
export async function resyncSlaClocks(
  deps: { db: Db; clock: Clock; logger: Logger },
  opts: { batch?: number; budgetMs?: number } = {},
): Promise<number> {
  const worker = newWorkerName();
  const started = Date.now();
  const lease = () => ({ worker, until: deps.clock.now() + resyncPolicy.leaseMs });
  const pass = await claimResyncPass(deps.db, passName, lease(), deps.clock.now());
  if (!pass) return 0;
  let { cursor } = pass;
  let done = 0;
  // Tickets read, not re-planned: with most tickets closed a run re-plans few but may read many.
  let walked = 0;
  const batch = opts.batch ?? resyncPolicy.batch;
  try {
    const open = await statusIdsWhere(deps.db, { open: true });
    for (;;) {
      const tickets = await ticketsAfter(deps.db, cursor, batch);
      for (const ticket of tickets) {
        if (ticket.merged || !open.has(ticket.statusId)) continue;
        try {
          await withTransaction(deps.db, async (trx) => {
            await syncTicketClocks(trx, ticket.id, deps.clock.now());
            await planTicketEscalations(trx, ticket.id);
          });
          done += 1;
        } catch (err) {
          deps.logger.error(
            { err, ticketId: ticket.id },
            'SLA resync failed for a ticket; the pass goes on without it',
          );
        }
        await letRequestsIn();
      }
      walked += tickets.length;
      cursor = tickets.at(-1)?.id ?? cursor;
      if (tickets.length < batch) {
        await releaseResyncPass(deps.db, passName, worker, { cursor, finished: pass.revision }, deps.clock.now());
        return done;
      }
      // The lease is renewed with the cursor; when another worker holds the pass now, this one stops.
      if (!(await saveResyncProgress(deps.db, passName, lease(), cursor))) return done;
      if (walked > 0 && Date.now() - started >= (opts.budgetMs ?? resyncPolicy.budgetMs)) break;
      await letRequestsIn();
    }
  } catch (err) {
    await releaseResyncPass(deps.db, passName, worker, { cursor, finished: null }, deps.clock.now()).catch(
      () => undefined,
    );
    throw err;
  }
  await releaseResyncPass(deps.db, passName, worker, { cursor, finished: null }, deps.clock.now());
  return done;
}
