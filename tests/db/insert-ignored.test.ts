import type { Knex } from 'knex';
import { insertIgnoredReturningId } from '../../src/db/insert';
import { useEmptyDatabase } from '../helpers/test-db';

let db: Knex;
useEmptyDatabase(async (created) => {
  db = created;
  await db.schema.createTable('names', (t) => {
    t.increments('id');
    t.string('name', 191).notNullable().unique();
    t.integer('n').notNullable();
  });
});

test('a new row is written and its id returned; a taken key writes nothing and returns null', async () => {
  const first = await insertIgnoredReturningId(db, 'names', { name: 'ada', n: 1 }, 'name');
  const second = await insertIgnoredReturningId(db, 'names', { name: 'bob', n: 2 }, 'name');
  expect(first).toEqual(expect.any(Number));
  expect(second).toBeGreaterThan(first!);
  expect(await insertIgnoredReturningId(db, 'names', { name: 'ada', n: 3 }, 'name')).toBeNull();
  expect(await db('names').orderBy('id').select('id', 'name', 'n')).toEqual([
    { id: first, name: 'ada', n: 1 },
    { id: second, name: 'bob', n: 2 },
  ]);
});

test('of many inserts of one key at once, exactly one gets an id', async () => {
  const ids = await Promise.all(
    Array.from({ length: 8 }, (_, i) => insertIgnoredReturningId(db, 'names', { name: 'burst', n: i }, 'name')),
  );
  const made = ids.filter((id) => id !== null);
  expect(made).toHaveLength(1);
  expect(await db('names').where({ name: 'burst' }).pluck('id')).toEqual(made);
});
