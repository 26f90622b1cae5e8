import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * Gives the event loop a turn between two steps of a job. On SQLite the driver is synchronous
 * and the pool has one connection: a job whose steps only await queries never lets go of the
 * process, and a request that arrives meanwhile is not even read until the whole run (seconds)
 * is over. Called after every step, a request waits for at most the step in progress. On
 * MySQL/PostgreSQL the queries wait for the network anyway; the extra turn costs microseconds.
 */
export async function letRequestsIn(): Promise<void> {
  await nextTurn();
}
