import type { Logger } from '../logger';
import type { EscalationDeps } from '../sla/escalation-actions';
import { escalateDueClock } from '../sla/escalations.service';
import { dueEscalations } from '../sla/escalations.repo';
import { releaseJobLease, takeJobLease } from './job-lease';

const leaseName = 'sla-escalations';
const leaseMs = 120_000;

/**
 * Fires the escalation levels that are due: reads only the clocks whose next trigger has come,
 * by the (next_at) index, soonest first, a batch at a time; a job that was down catches up in
 * order. Runs under a database lease; each clock's step is safe on its own as well.
 */
export async function runSlaEscalations(deps: EscalationDeps & { logger?: Logger }, opts: { batch?: number; holder?: string } = {}): Promise<number> {
  const now = deps.clock.now();
  if (!(await takeJobLease(deps.db, leaseName, now, leaseMs, opts.holder))) return 0;
  let fired = 0;
  try {
    for (const due of await dueEscalations(deps.db, now, opts.batch ?? 200)) fired += await escalateDueClock(deps, due, now);
  } finally {
    await releaseJobLease(deps.db, leaseName, opts.holder);
  }
  return fired;
}
