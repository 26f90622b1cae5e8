import type { Knex } from 'knex';
import { withTransaction } from '../../src/db/transaction';

function fakeDb(failures: unknown[]): { db: Knex; calls: () => number } {
  let calls = 0;
  const db = {
    transaction: async (work: (trx: unknown) => Promise<unknown>) => {
      calls++;
      const failure = failures.shift();
      if (failure) throw failure;
      return work({});
    },
  } as unknown as Knex;
  return { db, calls: () => calls };
}

test('a deadlock or serialization failure runs the whole unit again', async () => {
  const { db, calls } = fakeDb([{ errno: 1213, code: 'ER_LOCK_DEADLOCK' }, { code: '40001' }]);
  await expect(withTransaction(db, async () => 'done')).resolves.toBe('done');
  expect(calls()).toBe(3);
});

test('other errors are not retried, and retries stop after a few attempts', async () => {
  const plain = fakeDb([new Error('syntax error')]);
  await expect(withTransaction(plain.db, async () => 1)).rejects.toThrow('syntax error');
  expect(plain.calls()).toBe(1);
  const busy = fakeDb(Array.from({ length: 10 }, () => ({ code: 'SQLITE_BUSY' })));
  await expect(withTransaction(busy.db, async () => 1)).rejects.toEqual({ code: 'SQLITE_BUSY' });
  expect(busy.calls()).toBe(4);
});
