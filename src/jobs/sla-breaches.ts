import type { Clock } from '../clock';
import type { Db } from '../db/db';
import { withTransaction } from '../db/transaction';
import { dueUnbreachedClocks, markBreached } from '../sla/clocks.repo';
import { insertTicketEvent } from '../tickets/ticket-events.repo';

/**
 * Records every SLA clock whose due time has passed as breached, once: the clocks are read by
 * the (breached_at, due_at) index, so a pass reads only what is due, and the mark is a
 * conditional update, so of two processes only one writes it and its event. A job that was down
 * catches up in due order, a batch at a time.
 */
export async function recordSlaBreaches(deps: { db: Db; clock: Clock }, opts: { batch?: number } = {}): Promise<number> {
  const now = deps.clock.now();
  let recorded = 0;
  for (const clock of await dueUnbreachedClocks(deps.db, now, opts.batch ?? 200)) {
    await withTransaction(deps.db, async (trx) => {
      if (!(await markBreached(trx, clock.id, clock.dueAt, now))) return;
      await insertTicketEvent(trx, clock.ticketId, 'sla.breached', { type: 'system', id: null }, { kind: clock.kind, dueAt: clock.dueAt }, now);
      recorded += 1;
    });
  }
  return recorded;
}
