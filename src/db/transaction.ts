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

class Undone extends Error {}

/**
 * Runs `work` under a savepoint of the caller's transaction and keeps what it wrote only when it
 * returns true: on false (or an error, which is passed on) the savepoint is rolled back and the
 * transaction goes on as before it. E.g. a set-based claim that finds some rows taken by another
 * process, whose caller then claims them one by one.
 */
export async function keptUnderSavepoint(
  trx: Knex.Transaction,
  work: (savepoint: Knex.Transaction) => Promise<boolean>,
): Promise<boolean> {
  return trx
    .transaction(async (savepoint) => {
      if (!(await work(savepoint))) throw new Undone();
      return true;
    })
    .catch((err: unknown) => {
      if (err instanceof Undone) return false;
      throw err;
    });
}
