/**
 * For the standard knex command line (`npx knex migrate:status`, `migrate:latest`, `migrate:make NAME`):
 * the help desk's own database, read as the app reads it (config/default.json, config/local.json,
 * TESSERA_* variables), and its own migrations (migrations/*.ts, table tessera_migrations, names
 * recorded without extension, so the app and the command line agree on what ran).
 * The knex command line loads this file through sucrase (a devDependency).
 */
import type { Knex } from 'knex';
import { loadConfig } from './src/config/load-config';
import { knexSettings } from './src/db/knex-factory';
import { migratorConfig } from './src/db/migrate';
import { resolveFromRoot } from './src/paths';

type AfterCreate = (conn: unknown, done: (err: Error | null, conn: unknown) => void) => void;

const app = loadConfig();
const { config } = knexSettings(app.database, resolveFromRoot(app.paths.data), { poolMax: 2 });
const pool = config.pool as Knex.PoolConfig & { afterCreate: AfterCreate };
const appAfterCreate = pool.afterCreate;

// The app's migrations as the command line lists them: it prints each pending one's `file`.
const appSource = migratorConfig().migrationSource as Knex.MigrationSource<string>;
const migrationSource: Knex.MigrationSource<{ file: string }> = {
  getMigrations: async (extensions) => (await appSource.getMigrations(extensions)).map((file) => ({ file })),
  getMigrationName: (migration) => migration.file,
  getMigration: (migration) => appSource.getMigration(migration.file),
};

const knexfile: Knex.Config = {
  ...config,
  pool: {
    ...pool,
    // SQLite rebuilds a table to change it; with foreign keys on, dropping the old one would delete
    // or empty the rows pointing at it. `npm run migrate` turns them off around the migrations and
    // checks the links afterwards; here they stay off for the command line's one connection.
    afterCreate: (conn: unknown, done: (err: Error | null, conn: unknown) => void) =>
      appAfterCreate(conn, (err, c) => {
        if (!err && app.database.client === 'sqlite')
          (c as { pragma(sql: string): unknown }).pragma('foreign_keys = OFF');
        done(err, c);
      }),
  },
  // No `directory`: Knex would then replace the app's migration source with its own, which records
  // names with their extension. migrate:make writes into ./migrations (Knex's default, beside this file).
  migrations: { ...migratorConfig(), migrationSource, extension: 'ts' },
};

export default knexfile;
