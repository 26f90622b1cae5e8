import { setTimeout as sleep } from 'node:timers/promises';
import type { Knex } from 'knex';
import { isRetryableTxError } from './dialect';

const maxAttempts = 4;

/**
 * Every write transaction goes through here: the whole unit is run again when the database
 * reports a deadlock, lock timeout, serialization failure or busy file, with jittered backoff.
 * The work function must therefore only touch the database (no mail, no files kept on retry).
 */
export async function withTransaction<T>(db: Knex, work: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction(work);
    } catch (err) {
      if (attempt >= maxAttempts || !isRetryableTxError(err)) throw err;
      await sleep(Math.random() * 20 * 2 ** attempt);
    }
  }
}
