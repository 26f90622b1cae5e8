import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knex, { type Knex } from 'knex';
import type { DatabaseConfig } from '../../src/config/config.schema';
import { createKnex } from '../../src/db/knex-factory';

/**
 * Which database the suite runs against: TESSERA_TEST_DB=sqlite (default), mysql or postgres.
 * Server connection from TESSERA_TEST_DB_HOST/PORT/USER/PASSWORD (defaults: the local server,
 * root / postgres with no password). Every test file gets its own throw-away database.
 */
export type TestDbKind = 'sqlite' | 'mysql' | 'postgres';
export const testDbKind: TestDbKind = (process.env.TESSERA_TEST_DB as TestDbKind | undefined) ?? 'sqlite';

export function serverSettings(kind: Exclude<TestDbKind, 'sqlite'>) {
  return {
    host: process.env.TESSERA_TEST_DB_HOST ?? '127.0.0.1',
    port: Number(process.env.TESSERA_TEST_DB_PORT ?? (kind === 'mysql' ? 3306 : 5432)),
    user: process.env.TESSERA_TEST_DB_USER ?? (kind === 'mysql' ? 'root' : 'postgres'),
    password: process.env.TESSERA_TEST_DB_PASSWORD ?? '',
  };
}

/** A connection to the server's maintenance database, for CREATE/DROP DATABASE and users. */
export function adminConnection(kind: Exclude<TestDbKind, 'sqlite'>): Knex {
  const s = serverSettings(kind);
  return knex({
    client: kind === 'mysql' ? 'mysql2' : 'pg',
    connection: { ...s, database: kind === 'mysql' ? undefined : 'postgres' },
    pool: { min: 0, max: 1 },
  });
}

/**
 * How long a test's queries wait for a pooled connection. The app gives up after 10 s, which
 * a test on a machine at load average 10+ (a database server busy creating and dropping other
 * files' databases) can reach without anything being wrong: tests wait for the database as
 * long as a test may run, and the outage tests make their own pools with the app's limit.
 */
export const testPool = { acquireTimeoutMs: 60_000 };

export function tempDir(prefix = 'tessera-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export type TestDatabase = { config: DatabaseConfig; dataDir: string; drop(): Promise<void> };

export function uniqueDbName(): string {
  return `tessera_t_${process.pid}_${crypto.randomBytes(4).toString('hex')}`;
}

/** A fresh, empty database of the kind under test. */
export async function createTestDatabase(kind: TestDbKind = testDbKind): Promise<TestDatabase> {
  const dataDir = tempDir();
  const base = { host: '127.0.0.1', port: null, database: 'tessera', user: '', password: '', ssl: false, poolMax: 5 };
  if (kind === 'sqlite') {
    return {
      config: { ...base, client: 'sqlite', filename: 'tessera.sqlite' },
      dataDir,
      drop: async () => fs.rmSync(dataDir, { recursive: true, force: true }),
    };
  }
  const name = uniqueDbName();
  const admin = adminConnection(kind);
  try {
    await admin.raw(
      kind === 'mysql'
        ? `CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`
        : `CREATE DATABASE "${name}"`,
    );
  } finally {
    await admin.destroy();
  }
  const s = serverSettings(kind);
  return {
    config: {
      ...base,
      client: kind,
      filename: 'unused.sqlite',
      host: s.host,
      port: s.port,
      user: s.user,
      password: s.password,
      database: name,
    },
    dataDir,
    drop: async () => {
      const a = adminConnection(kind);
      try {
        await a.raw(
          kind === 'mysql' ? `DROP DATABASE IF EXISTS \`${name}\`` : `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`,
        );
      } finally {
        await a.destroy();
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * A test file's own empty database of the kind under test and a connection to it, handed over
 * before the tests and removed after them.
 */
export function useEmptyDatabase(receive: (db: Knex) => void | Promise<void>): void {
  let tdb: TestDatabase | undefined;
  let db: Knex | undefined;
  beforeAll(async () => {
    tdb = await createTestDatabase();
    const created = createKnex(tdb.config, tdb.dataDir, testPool);
    db = created;
    await receive(created);
  });
  afterAll(async () => {
    await db?.destroy();
    await tdb?.drop();
  });
}
