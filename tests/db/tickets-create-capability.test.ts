import type { Knex } from 'knex';
import { knownMigrations, migrateLatest, migratorConfig } from '../../src/db/migrate';
import { testDbKind, useEmptyDatabase } from '../helpers/test-db';

let db: Knex;
useEmptyDatabase(async (created) => {
  db = created;
});

const migration = '20261206140000_tickets_create_capability';

test(`on ${testDbKind}, roles that reply to customers keep opening tickets for them; view-only roles stop`, async () => {
  const all = await knownMigrations();
  for (const name of all.slice(0, all.indexOf(migration))) await db.migrate.up({ ...migratorConfig(), name });
  const now = Date.now();
  const role = (name: string, capabilities: unknown) => ({
    name,
    capabilities: typeof capabilities === 'string' ? capabilities : JSON.stringify(capabilities),
    created_at: now,
    updated_at: now,
  });
  await db('roles').insert([
    role('Tier 1', ['tickets.view', 'tickets.reply']),
    role('Auditor', ['tickets.view']),
    role('Broken', 'not json'),
  ]);

  await migrateLatest(db);
  const caps = async (name: string) => String((await db('roles').where({ name }).first('capabilities')).capabilities);
  expect(JSON.parse(await caps('Tier 1'))).toEqual(['tickets.view', 'tickets.reply', 'tickets.create']);
  expect(JSON.parse(await caps('Auditor'))).toEqual(['tickets.view']);
  expect(await caps('Broken')).toBe('not json');

  await db.migrate.down({ ...migratorConfig(), name: migration });
  expect(JSON.parse(await caps('Tier 1'))).toEqual(['tickets.view', 'tickets.reply']);
});
