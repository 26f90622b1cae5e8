import { autoCloseTicket, type AutoCloseDeps } from '../auto-close/auto-close.service';
import { dueAutoCloses } from '../auto-close/auto-close.repo';
import { releaseJobLease, takeJobLease } from './job-lease';

const leaseName = 'auto-close';
const leaseMs = 120_000;

/**
 * Closes the tickets whose customers have not answered in their category's number of days:
 * only the due ones, read by the (close_at) index in batches, oldest first, so a job that was
 * down catches up in order. Runs under a database lease; each close is safe on its own as well.
 */
export async function runAutoClose(deps: AutoCloseDeps, opts: { batch?: number; holder?: string } = {}): Promise<number> {
  const now = deps.clock.now();
  if (!(await takeJobLease(deps.db, leaseName, now, leaseMs, opts.holder))) return 0;
  let closed = 0;
  try {
    for (const due of await dueAutoCloses(deps.db, now, opts.batch ?? 100)) if (await autoCloseTicket(deps, due, now)) closed += 1;
  } finally {
    await releaseJobLease(deps.db, leaseName, opts.holder);
  }
  return closed;
}
