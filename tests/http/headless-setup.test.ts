import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { createKnex } from '../../src/db/knex-factory';
import { fromRoot } from '../../src/paths';
import { createTestDatabase, tempDir, testDbKind, type TestDatabase } from '../helpers/test-db';

const run = promisify(execFile);
let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase();
});
afterAll(async () => tdb.drop());

function setup(args: string[], env: Record<string, string>) {
  return run(
    process.execPath,
    [fromRoot('node_modules', 'tsx', 'dist', 'cli.mjs'), fromRoot('src', 'cli', 'setup.ts'), ...args],
    {
      cwd: fromRoot(),
      env: { ...process.env, ...env },
    },
  ).then(
    (r) => ({ code: 0, out: r.stdout + r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout + e.stderr }),
  );
}

test(`npm run setup installs on ${testDbKind} without the browser`, async () => {
  const configDir = tempDir('tessera-config-');
  const env = { TESSERA_CONFIG_DIR: configDir, TESSERA_DATA_DIR: tdb.dataDir };
  const db = tdb.config;
  const dbArgs =
    db.client === 'sqlite'
      ? ['--db', 'sqlite']
      : [
          '--db',
          db.client,
          '--db-host',
          db.host,
          '--db-port',
          String(db.port),
          '--db-name',
          db.database,
          '--db-user',
          db.user,
          '--db-password',
          db.password,
        ];

  const weak = await setup([...dbArgs, '--admin-email', 'cli@example.com', '--admin-password', 'password'], env);
  expect(weak.code).toBe(1);
  expect(weak.out).toMatch(/admin password/);

  const ok = await setup([...dbArgs, '--admin-email', 'cli@example.com', '--name', 'CLI Desk'], env);
  expect(ok.out).toContain('Tessera is installed');
  expect(ok.code).toBe(0);
  const generated = /shown once\): (\S+)/.exec(ok.out)?.[1];
  expect(generated).toHaveLength(20);
  expect(JSON.parse(fs.readFileSync(path.join(configDir, 'local.json'), 'utf8')).installed).toBe(true);

  const again = await setup([...dbArgs, '--admin-email', 'other@example.com'], env);
  expect(again.code).toBe(1);
  expect(again.out).toContain('already installed');

  const knex = createKnex(db, tdb.dataDir);
  try {
    expect(await knex('staff_users').pluck('email')).toEqual(['cli@example.com']);
  } finally {
    await knex.destroy();
  }
}, 120_000);
