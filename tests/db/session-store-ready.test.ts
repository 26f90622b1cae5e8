import type { Knex } from 'knex';
import pino from 'pino';
import { migrateLatest } from '../../src/db/migrate';
import { HealingSessionStore } from '../../src/web/middleware/session-store';
import { useEmptyDatabase } from '../helpers/test-db';

// The session store's start-up check of its table (`ready`): it says whether the table was there,
// logs when it was not, and is never kept as a failure (the table answers once it exists).
let db: Knex;
useEmptyDatabase((created) => {
  db = created;
});

function storeWithLog() {
  const warnings: string[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => warnings.push(JSON.parse(line).msg) });
  const store = new HealingSessionStore({ db, logger, caps: { perStaff: 5, perClient: 5 } });
  return { store, warnings };
}

const session = { cookie: { originalMaxAge: 60_000, maxAge: 60_000, expires: new Date(Date.now() + 60_000) } };

test('before the migrations the check is false and logged, and the store serves once the table exists', async () => {
  const { store, warnings } = storeWithLog();
  await expect(store.ready).resolves.toBe(false);
  expect(warnings).toEqual(['the sessions table could not be checked at start; sessions are tried on each request']);

  await migrateLatest(db);
  await new Promise<void>((resolve, reject) =>
    store.set('sid-1', session as never, (err) => (err ? reject(err) : resolve())),
  );
  const read = await new Promise((resolve, reject) => store.get('sid-1', (err, s) => (err ? reject(err) : resolve(s))));
  expect(read).toMatchObject({ cookie: { originalMaxAge: 60_000 } });
  await expect(store.destroy('sid-1')).resolves.toBe(1);
});

test('with the table in place the check is true and nothing is logged', async () => {
  await migrateLatest(db);
  const { store, warnings } = storeWithLog();
  await expect(store.ready).resolves.toBe(true);
  expect(warnings).toEqual([]);
});
