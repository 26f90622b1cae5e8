import type { Logger } from '../logger';
import type { EscalationDeps } from '../sla/escalation-actions';
import { escalateDueClock } from '../sla/escalations.service';
import { claimDueEscalation, dueEscalations } from '../sla/escalation-due.repo';
import { runLeasedBatch } from './job-lease';
import { escalateDueClocks } from '../sla/escalation-batch';

/**
 * From how many due clocks a run fires them in batches (one transaction per 50 clocks, set reads,
 * bulk inserts; issue 13's speed goal). A quiet minute with a few due clocks keeps one short
 * transaction per clock: batching gains little there.
 */
export const escalationBatchFrom = 10;

/**
 * Fires the escalation levels that are due: reads only the clocks whose next trigger has come,
 * by the (next_at) index, soonest first, a batch at a time; a job that was down catches up in
 * order. Runs under a database lease; each clock's step is safe on its own as well. A clock whose
 * step fails is logged and tried again later; the others escalate meanwhile.
 */
export async function runSlaEscalations(
  deps: EscalationDeps & { logger: Logger },
  opts: { batch?: number; holder?: string; budgetMs?: number } = {},
): Promise<number> {
  // Settings read inside a transaction are only taken from the cache when their revision is still
  // the cached one; in a process that runs jobs alone (cron) nothing had filled the cache, and every
  // mail and notification of a level read and parsed every setting. Filled here, outside any transaction.
  await deps.settings.all();
  return runLeasedBatch(
    deps,
    {
      name: 'sla-escalations',
      leaseMs: 120_000,
      batch: opts.batch ?? 200,
      due: (now, limit) => dueEscalations(deps.db, now, limit),
      step: (due, now) => escalateDueClock(deps, due, now),
      many: { from: escalationBatchFrom, size: 50, step: (dues, now) => escalateDueClocks(deps, dues, now) },
      defer: (due, until) => claimDueEscalation(deps.db, due.clockId, due.nextAt, until),
    },
    opts.holder,
    opts.budgetMs,
  );
}
