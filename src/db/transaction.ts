import { setTimeout as sleep } from 'node:timers/promises';
import type { Knex } from 'knex';
import { isRetryableTxError } from './dialect';

const maxAttempts = 4;

/**
 * Runs `work` again when the database reports a deadlock, lock timeout, serialization failure
 * or busy file, with jittered backoff. For a unit of several statements use withTransaction;
 * this alone serves a single statement that must not hold a transaction open across an await.
 */
export async function retryOnConflict<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      if (attempt >= maxAttempts || !isRetryableTxError(err)) throw err;
      await sleep(Math.random() * 20 * 2 ** attempt);
    }
  }
}

/**
 * Every write transaction goes through here: the whole unit is run again on a conflict (see
 * retryOnConflict). The work function must therefore only touch the database (no mail, no
 * files kept on retry).
 */
export async function withTransaction<T>(db: Knex, work: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
  return retryOnConflict(() => db.transaction(work));
}
