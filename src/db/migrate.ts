import fs from 'node:fs';
import path from 'node:path';
import type { Knex } from 'knex';
import { codeRoot, runningCompiled } from '../paths';
import { clientOf } from './dialect';

export const migrationsTable = 'tessera_migrations';
const migrationsDir = path.join(codeRoot, 'migrations');
const extension = runningCompiled ? '.js' : '.ts';

type Migration = { up(db: Knex): Promise<void>; down(db: Knex): Promise<void> };

/**
 * Loads migrations from migrations/*.ts (sources) or dist/migrations/*.js (build) and names
 * them without extension, so a database migrated by either is recognised by both.
 */
class TesseraMigrationSource implements Knex.MigrationSource<string> {
  async getMigrations(): Promise<string[]> {
    return fs
      .readdirSync(migrationsDir)
      .filter((f) => f.endsWith(extension) && !f.endsWith('.d.ts'))
      .map((f) => f.slice(0, -extension.length))
      .sort();
  }
  getMigrationName(name: string): string {
    return name;
  }
  async getMigration(name: string): Promise<Migration> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(path.join(migrationsDir, name + extension)) as Migration;
  }
}

export function migratorConfig(): Knex.MigratorConfig {
  return {
    migrationSource: new TesseraMigrationSource(),
    tableName: migrationsTable,
  };
}

export async function migrateLatest(db: Knex): Promise<string[]> {
  if (clientOf(db) !== 'sqlite') return ((await db.migrate.latest(migratorConfig())) as [number, string[]])[1];
  return withSqliteForeignKeysOff(
    db,
    async () => ((await db.migrate.latest(migratorConfig())) as [number, string[]])[1],
  );
}

/**
 * SQLite changes a table by copying it into a new one and dropping the old; with foreign keys on,
 * that drop deletes or empties every row pointing at the table (staff access, ticket owners...).
 * The switch cannot change inside a migration's transaction, so it is turned off around them, on
 * the one connection SQLite's pool has, and the links are checked before it is turned back on.
 */
async function withSqliteForeignKeysOff<T>(db: Knex, run: () => Promise<T>): Promise<T> {
  await db.raw('PRAGMA foreign_keys = OFF');
  try {
    const result = await run();
    const broken = (await db.raw('PRAGMA foreign_key_check')) as unknown[];
    if (broken.length > 0)
      throw new Error(
        `the migrations left ${broken.length} rows pointing at rows that do not exist, e.g. ${JSON.stringify(broken[0])}`,
      );
    return result;
  } finally {
    await db.raw('PRAGMA foreign_keys = ON');
  }
}

/** Migrations the code has and the database lacks; the upgrade check. */
export async function pendingMigrations(db: Knex): Promise<string[]> {
  const [, pending] = (await db.migrate.list(migratorConfig())) as [unknown[], Array<{ file: string } | string>];
  return pending.map((m) => (typeof m === 'string' ? m : m.file));
}

/**
 * Removes everything the migrations create, recorded or not: MySQL cannot roll back DDL, so a
 * migration that failed midway leaves tables no record knows of. Every down() only drops what
 * exists; foreign key checks are off meanwhile on MySQL, on one pinned connection.
 */
export async function dropTesseraSchema(db: Knex): Promise<void> {
  const source = new TesseraMigrationSource();
  const names = (await source.getMigrations()).reverse();
  const mysql = clientOf(db) === 'mysql';
  await db.transaction(async (trx) => {
    if (mysql) await trx.raw('SET FOREIGN_KEY_CHECKS = 0');
    try {
      for (const name of names) await (await source.getMigration(name)).down(trx);
      await trx.schema.dropTableIfExists(`${migrationsTable}_lock`);
      await trx.schema.dropTableIfExists(migrationsTable);
    } finally {
      if (mysql) await trx.raw('SET FOREIGN_KEY_CHECKS = 1');
    }
  });
}

/** Names of all migrations shipped with this version of the code. */
export async function knownMigrations(): Promise<string[]> {
  return new TesseraMigrationSource().getMigrations();
}
