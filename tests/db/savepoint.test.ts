import type { Knex } from 'knex';
import { keptUnderSavepoint, withTransaction } from '../../src/db/transaction';
import { useEmptyDatabase } from '../helpers/test-db';

let db: Knex;
useEmptyDatabase(async (created) => {
  db = created;
  await db.schema.createTable('savepoint_probe', (t) => {
    t.integer('n').notNullable();
  });
});

const numbers = async () => (await db('savepoint_probe').orderBy('n').pluck('n')).map(Number);

test('what the work wrote stays when it returns true, and is undone when it returns false, the transaction going on', async () => {
  await withTransaction(db, async (trx) => {
    await trx('savepoint_probe').insert({ n: 1 });
    expect(await keptUnderSavepoint(trx, async (sp) => (await sp('savepoint_probe').insert({ n: 2 }), true))).toBe(
      true,
    );
    expect(await keptUnderSavepoint(trx, async (sp) => (await sp('savepoint_probe').insert({ n: 3 }), false))).toBe(
      false,
    );
    await trx('savepoint_probe').insert({ n: 4 });
  });
  expect(await numbers()).toEqual([1, 2, 4]);
});

test('an error of the work undoes its writes and reaches the caller', async () => {
  await db('savepoint_probe').del();
  await expect(
    withTransaction(db, async (trx) => {
      await trx('savepoint_probe').insert({ n: 5 });
      await keptUnderSavepoint(trx, async (sp) => {
        await sp('savepoint_probe').insert({ n: 6 });
        throw new Error('broken');
      });
    }),
  ).rejects.toThrow('broken');
  expect(await numbers()).toEqual([]);
});
