import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { promisify } from 'node:util';
import type { Knex } from 'knex';
import { createKnex } from '../../src/db/knex-factory';
import { knownMigrations, migrateLatest, migrationsTable } from '../../src/db/migrate';
import { fromRoot } from '../../src/paths';
import { createTestDatabase, tempDir, testDbKind, type TestDatabase } from '../helpers/test-db';

const run = promisify(execFile);
let tdb: TestDatabase;
let db: Knex;
let configDir: string;
beforeAll(async () => {
  tdb = await createTestDatabase();
  db = createKnex(tdb.config, tdb.dataDir);
  configDir = tempDir('tessera-config-');
});
afterAll(async () => {
  await db.destroy();
  await tdb.drop();
  fs.rmSync(configDir, { recursive: true, force: true });
});

/** `knex --knexfile knexfile.ts <command>` as a person would type it, configured only by TESSERA_* variables. */
async function knexCli(command: string): Promise<string> {
  const c = tdb.config;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    TESSERA_CONFIG_DIR: configDir,
    TESSERA_DATA_DIR: tdb.dataDir,
    TESSERA_DB_CLIENT: c.client,
    TESSERA_DB_FILENAME: c.filename,
    TESSERA_DB_HOST: c.host,
    TESSERA_DB_PORT: c.port === null ? '' : String(c.port),
    TESSERA_DB_NAME: c.database,
    TESSERA_DB_USER: c.user,
    TESSERA_DB_PASSWORD: c.password,
    NO_COLOR: '1',
  };
  const cli = fromRoot('node_modules', 'knex', 'bin', 'cli.js');
  const { stdout } = await run(process.execPath, [cli, '--knexfile', fromRoot('knexfile.ts'), command], {
    cwd: fromRoot(),
    env,
  });
  return stdout;
}

test(`the knex command line sees the app's migrations on ${testDbKind}: done after the app migrated, pending when one is missing`, async () => {
  const names = await knownMigrations();
  expect(names.length).toBeGreaterThan(50);
  const before = await knexCli('migrate:status');
  expect(before).toContain(`Found ${names.length} Pending Migration file/files.`);

  await migrateLatest(db);
  const after = await knexCli('migrate:status');
  expect(after).toContain(`Found ${names.length} Completed Migration file/files.`);
  expect(after).toContain('No Pending Migration files Found.');
  for (const name of names) expect(after).toContain(`${name}\n`);

  // The same names as the app records (no extension): a missing row is the one pending migration.
  const last = names[names.length - 1]!;
  await db(migrationsTable).where({ name: last }).del();
  const missing = await knexCli('migrate:status');
  expect(missing).toContain(`Found 1 Pending Migration file/files.\n${last}\n`);
}, 180_000);
