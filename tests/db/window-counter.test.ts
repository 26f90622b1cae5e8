import type { Knex } from 'knex';
import { migrateLatest } from '../../src/db/migrate';
import { hitWindowCounter } from '../../src/db/window-counter';
import { useEmptyDatabase } from '../helpers/test-db';

let db: Knex;
useEmptyDatabase(async (created) => {
  db = created;
  await migrateLatest(db);
});

test('concurrent hits are all counted, as from several instances', async () => {
  const now = 1_000_000;
  await Promise.all(Array.from({ length: 25 }, () => hitWindowCounter(db, 'test:concurrent', 60_000, now)));
  const last = await hitWindowCounter(db, 'test:concurrent', 60_000, now);
  expect(last).toEqual({ hits: 26, resetAt: now + 60_000 });
});

test('each of many concurrent hits sees its own count: every number once, none twice', async () => {
  const now = 2_000_000;
  const seen = await Promise.all(Array.from({ length: 20 }, () => hitWindowCounter(db, 'test:own-count', 60_000, now)));
  expect(seen.map((s) => s.hits).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
});

test('a new window starts once the old one has passed', async () => {
  expect(await hitWindowCounter(db, 'test:window', 1000, 5000)).toEqual({ hits: 1, resetAt: 6000 });
  expect(await hitWindowCounter(db, 'test:window', 1000, 5999)).toEqual({ hits: 2, resetAt: 6000 });
  expect(await hitWindowCounter(db, 'test:window', 1000, 6000)).toEqual({ hits: 1, resetAt: 7000 });
});

test('an amount is added in one hit (kilobytes uploaded), and starts a new window with itself', async () => {
  expect(await hitWindowCounter(db, 'test:amount', 1000, 10_000, 600)).toEqual({ hits: 600, resetAt: 11_000 });
  const both = await Promise.all([
    hitWindowCounter(db, 'test:amount', 1000, 10_500, 300),
    hitWindowCounter(db, 'test:amount', 1000, 10_500, 50),
  ]);
  expect(both.map((b) => b.hits).sort((a, b) => a - b)).toEqual(expect.arrayContaining([950]));
  expect(await hitWindowCounter(db, 'test:amount', 1000, 11_000, 7)).toEqual({ hits: 7, resetAt: 12_000 });
});

test("inside a caller's transaction a hit counts there and goes with its rollback", async () => {
  const inside = await db.transaction(async (trx) => {
    await hitWindowCounter(trx, 'test:trx', 1000, 20_000);
    return hitWindowCounter(trx, 'test:trx', 1000, 20_000);
  });
  expect(inside).toEqual({ hits: 2, resetAt: 21_000 });
  await expect(
    db.transaction(async (trx) => {
      await hitWindowCounter(trx, 'test:trx', 1000, 20_000);
      throw new Error('rolled back');
    }),
  ).rejects.toThrow('rolled back');
  expect(await hitWindowCounter(db, 'test:trx', 1000, 20_000)).toEqual({ hits: 3, resetAt: 21_000 });
});
