import type { Knex } from 'knex';
import { insertReturningId } from '../../src/db/insert';
import { knownMigrations, migrateLatest, migratorConfig } from '../../src/db/migrate';
import { testDbKind, useEmptyDatabase } from '../helpers/test-db';

let db: Knex;
useEmptyDatabase(async (created) => {
  db = created;
});

// The schema of the first release: what an installation to be upgraded has.
const firstRelease = '20261123170000_fulltext_search';

test(`upgrading a ${testDbKind} database with data keeps every row and every link between rows`, async () => {
  const all = await knownMigrations();
  for (const name of all.slice(0, all.indexOf(firstRelease) + 1)) await db.migrate.up({ ...migratorConfig(), name });

  const now = Date.now();
  const sid = await insertReturningId(db, 'staff_users', {
    email: 'olga@example.com',
    name: 'Olga',
    password_hash: 'x',
    is_admin: false,
    is_active: true,
    language: 'en',
    created_at: now,
    updated_at: now,
  });
  const category = await insertReturningId(db, 'categories', {
    name: 'General',
    tier: 1,
    is_public: true,
    is_active: true,
    sort_order: 0,
    created_at: now,
    updated_at: now,
  });
  await db('staff_categories').insert({ staff_id: sid, category_id: category });
  const status = await insertReturningId(db, 'statuses', {
    key: 'open',
    name: 'Open',
    color: '#123456',
    is_open: true,
  });
  const priority = await insertReturningId(db, 'priorities', { key: 'normal', name: 'Normal', color: '#123456' });
  const cid = await insertReturningId(db, 'customers', {
    email: 'carla@example.net',
    name: 'Carla',
    language: 'en',
    created_at: now,
    updated_at: now,
  });
  const tid = await insertReturningId(db, 'tickets', {
    tracking_id: 'ABCDEFGHJK',
    subject: 'Kept',
    customer_id: cid,
    category_id: category,
    status_id: status,
    priority_id: priority,
    owner_id: sid,
    created_at: now,
    updated_at: now,
  });
  await db('messages').insert({
    ticket_id: tid,
    kind: 'staff',
    staff_id: sid,
    author_name: 'Olga',
    body: 'Hello',
    created_at: now,
  });

  await migrateLatest(db);

  expect(await db('staff_categories').where({ staff_id: sid }).pluck('category_id')).toEqual([category]);
  expect(Number((await db('tickets').where({ id: tid }).first('owner_id')).owner_id)).toBe(sid);
  expect(Number((await db('messages').where({ ticket_id: tid }).first('staff_id')).staff_id)).toBe(sid);
  expect((await db('staff_users').where({ id: sid }).first('email')).email).toBe('olga@example.com');
  if (testDbKind === 'sqlite') {
    expect(await db.raw('PRAGMA foreign_key_check')).toEqual([]);
    expect(await db.raw('PRAGMA foreign_keys')).toEqual([{ foreign_keys: 1 }]);
  }
});
