import type { Clock } from '../clock';
import type { Db } from '../db/db';
import { withTransaction } from '../db/transaction';
import { dueUnbreachedClocks, markBreached } from '../sla/clocks.repo';
import { insertTicketEvent } from '../tickets/ticket-events.repo';
import { letRequestsIn } from './yield';

/**
 * Records every SLA clock whose due time has passed as breached, once: the clocks are read by
 * the (breached_at, due_at) index, so a pass reads only what is due, and the mark is a
 * conditional update (on the clock's id, an unset breached_at and the due time read), so of two
 * processes, or of the job and a change of the ticket that stops the clock, only one writes it
 * and its event. A job that was down catches up in due order, a batch at a time, until nothing
 * is due or the time budget is spent (the rest waits for the next run).
 */
export async function recordSlaBreaches(
  deps: { db: Db; clock: Clock },
  opts: { batch?: number; budgetMs?: number } = {},
): Promise<number> {
  const batch = opts.batch ?? 200;
  const started = Date.now();
  let recorded = 0;
  for (;;) {
    const now = deps.clock.now();
    const due = await dueUnbreachedClocks(deps.db, now, batch);
    let marked = 0;
    for (const clock of due) {
      await withTransaction(deps.db, async (trx) => {
        if (!(await markBreached(trx, clock.id, clock.dueAt, now))) return;
        await insertTicketEvent(
          trx,
          clock.ticketId,
          'sla.breached',
          { type: 'system', id: null },
          { kind: clock.kind, dueAt: clock.dueAt },
          now,
        );
        marked += 1;
      });
      await letRequestsIn(); // requests go between the clocks on SQLite's one connection
    }
    recorded += marked;
    // A short batch was the last; a batch another process marked entirely is left to it.
    if (due.length < batch || marked === 0 || Date.now() - started >= (opts.budgetMs ?? 5_000)) return recorded;
  }
}
