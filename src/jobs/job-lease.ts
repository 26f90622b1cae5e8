import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { retryOnConflict } from '../db/transaction';

/** Who this process is, in the lease rows it holds. */
const processHolder = `${process.pid}-${randomUUID().slice(0, 8)}`;

/**
 * A named job's lease in the database: one process at a time runs the job, across every process
 * of the desk (web instances and cron). A process that dies leaves the lease to run out. Each
 * step the job takes stays safe on its own (a conditional write); the lease keeps two processes
 * from doing the same reads and racing for every row.
 */
export async function takeJobLease(db: Knex, name: string, now: number, forMs: number, holder = processHolder): Promise<boolean> {
  return retryOnConflict(async () => {
    const taken = await db('job_leases').where({ name }).andWhere('until', '<=', now).update({ holder, until: now + forMs });
    if (taken === 1) return true;
    await db('job_leases').insert({ name, holder: '', until: 0 }).onConflict('name').ignore();
    return (await db('job_leases').where({ name }).andWhere('until', '<=', now).update({ holder, until: now + forMs })) === 1;
  });
}

export async function releaseJobLease(db: Knex, name: string, holder = processHolder): Promise<void> {
  await db('job_leases').where({ name, holder }).update({ until: 0 });
}
