import type { Logger } from '../logger';
import { autoCloseTicket, type AutoCloseDeps } from '../auto-close/auto-close.service';
import { deferAutoClose, dueAutoCloses } from '../auto-close/auto-close.repo';
import { runLeasedBatch } from './job-lease';

/**
 * Closes the tickets whose customers have not answered in their category's number of days:
 * only the due ones, read by the (close_at) index in batches, oldest first, so a job that was
 * down catches up in order. Runs under a database lease; each close is safe on its own as well.
 * A ticket whose close fails is logged and tried again later; the others close meanwhile.
 */
export async function runAutoClose(
  deps: AutoCloseDeps & { logger: Logger },
  opts: { batch?: number; holder?: string; budgetMs?: number } = {},
): Promise<number> {
  return runLeasedBatch(
    deps,
    {
      name: 'auto-close',
      leaseMs: 120_000,
      batch: opts.batch ?? 100,
      due: (now, limit) => dueAutoCloses(deps.db, now, limit),
      step: async (due, now) => ((await autoCloseTicket(deps, due, now)) ? 1 : 0),
      defer: (due, until) => deferAutoClose(deps.db, due.ticketId, due.closeAt, until),
    },
    opts.holder,
    opts.budgetMs,
  );
}
