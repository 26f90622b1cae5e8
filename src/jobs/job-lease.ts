import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { Logger } from '../logger';
import { retryOnConflict } from '../db/transaction';
import { claimLeaseRow, endLeaseRow } from './job-lease.repo';
import { letRequestsIn } from './yield';

/** Who this process is, in the lease rows it holds. */
const processHolder = `${process.pid}-${randomUUID().slice(0, 8)}`;

/**
 * A named job's lease in the database: one process at a time runs the job, across every process
 * of the desk (web instances and cron). A process that dies leaves the lease to run out. Each
 * step the job takes stays safe on its own (a conditional write); the lease keeps two processes
 * from doing the same reads and racing for every row.
 */
export async function takeJobLease(
  db: Knex,
  name: string,
  now: number,
  forMs: number,
  holder = processHolder,
): Promise<boolean> {
  return retryOnConflict(() => claimLeaseRow(db, name, holder, now, now + forMs));
}

export async function releaseJobLease(db: Knex, name: string, holder = processHolder): Promise<void> {
  await endLeaseRow(db, name, holder);
}

/** How long a row whose step threw waits before the job tries it again. */
export const failedRowBackoffMs = 15 * 60_000;

export type LeasedBatch<T> = {
  name: string;
  leaseMs: number;
  /** How many rows one read takes. */
  batch: number;
  /** The due rows, soonest first, at most `limit`. */
  due: (now: number, limit: number) => Promise<T[]>;
  /** One row's step; returns how much it did. */
  step: (row: T, now: number) => Promise<number>;
  /**
   * Optional: many rows' steps at once (one transaction), for runs with at least `from` rows, in
   * parts of `size`; the rows it returns in `left` are stepped one by one after it. A part whose
   * step throws is stepped again row by row, so one bad row holds up no other.
   */
  many?: { from: number; size: number; step: (rows: T[], now: number) => Promise<{ done: number; left: T[] }> };
  /** Moves a row whose step threw to a later time (a conditional write on the time read). */
  defer: (row: T, until: number) => Promise<unknown>;
};

/** How long one run keeps reading batches: a job that was down catches up over a few runs, never in one endless one. */
export const leasedRunBudgetMs = 5_000;

/**
 * Runs a job's due rows under its database lease, soonest first, a batch at a time until a batch
 * comes back short (nothing more is due) or the run has spent `budgetMs` (the rest waits for the
 * next run, still in order): after a day of downtime the oldest work is done first. A row whose
 * step throws is logged and moved `failedRowBackoffMs` on, so it neither stops the rows after it
 * nor stays first in line for good; it is tried again later (and keeps its place if a change
 * re-planned it meanwhile). Every step moves its row past `now` or drops it, so the next batch
 * reads new rows. The event loop gets a turn after every step (letRequestsIn): on SQLite's one
 * connection, requests go between the steps instead of waiting for the whole run.
 */
export async function runLeasedBatch<T>(
  deps: { db: Knex; clock: { now(): number }; logger: Logger },
  job: LeasedBatch<T>,
  holder?: string,
  budgetMs = leasedRunBudgetMs,
): Promise<number> {
  const now = deps.clock.now();
  if (!(await takeJobLease(deps.db, job.name, now, job.leaseMs, holder))) return 0;
  const started = Date.now();
  let done = 0;
  try {
    for (;;) {
      const rows = await job.due(now, job.batch);
      // A row that could neither be done nor moved on would be read again first: end the run there.
      let stuck = false;
      const oneByOne = async (list: T[]) => {
        for (const row of list) {
          try {
            done += await job.step(row, now);
          } catch (err) {
            deps.logger.error({ err, job: job.name, row }, 'job step failed; the row is tried again later');
            await job.defer(row, deps.clock.now() + failedRowBackoffMs).catch((deferErr: unknown) => {
              stuck = true;
              deps.logger.error({ err: deferErr, job: job.name, row }, 'could not move the failed row on');
            });
          }
          await letRequestsIn();
        }
      };
      if (job.many && rows.length >= job.many.from) {
        for (let i = 0; i < rows.length; i += job.many.size) {
          const part = rows.slice(i, i + job.many.size);
          const outcome = await job.many.step(part, now).catch((err: unknown) => {
            deps.logger.warn(
              { err, job: job.name, rows: part.length },
              'job batch failed; its rows are stepped one by one',
            );
            return { done: 0, left: part };
          });
          done += outcome.done;
          await letRequestsIn();
          await oneByOne(outcome.left);
        }
      } else {
        await oneByOne(rows);
      }
      if (stuck || rows.length < job.batch || Date.now() - started >= budgetMs) break;
    }
  } finally {
    await releaseJobLease(deps.db, job.name, holder);
  }
  return done;
}
