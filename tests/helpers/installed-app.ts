import type { Express } from 'express';
import type { Knex } from 'knex';
import pino from 'pino';
import request from 'supertest';
import type { Clock } from '../../src/clock';
import { configSchema, type AppConfig, type DatabaseConfig } from '../../src/config/config.schema';
import { createKnex } from '../../src/db/knex-factory';
import { migrateLatest } from '../../src/db/migrate';
import { withTransaction } from '../../src/db/transaction';
import { createI18n } from '../../src/i18n/i18n';
import { createInitialData } from '../../src/setup/initial-data';
import { hashPassword } from '../../src/staff/password';
import { insertStaff } from '../../src/staff/staff.repo';
import { createApp } from '../../src/web/app';
import { createServices, type Services } from '../../src/web/app-services';
import { createTestDatabase, testPool, type TestDatabase } from './test-db';

export const adminCredentials = {
  name: 'Ada Admin',
  email: 'ada@example.com',
  password: 'correct horse battery staple 42',
};
export const staffCredentials = {
  name: 'Sam Staff',
  email: 'sam@example.com',
  password: 'another quite long passphrase 7',
};

const testConfigSecrets = { session: 's'.repeat(40), signing: 'k'.repeat(40) };

export function testConfig(database: DatabaseConfig, dataDir: string): AppConfig {
  return configSchema.parse({
    installed: true,
    server: { host: '127.0.0.1', port: 0, trustProxy: false, shutdownTimeoutMs: 1000 },
    database,
    paths: { data: dataDir, attachments: `${dataDir}/attachments` },
    secrets: testConfigSecrets,
    session: { idleMinutes: 120, absoluteHours: 12 },
    log: { level: 'silent' },
  });
}

/** A movable clock for tests of windows and timeouts. */
export function testClock(start = Date.now()): Clock & { advance(ms: number): void } {
  let now = start;
  return { now: () => now, advance: (ms) => (now += ms) };
}

export type InstalledApp = {
  app: Express;
  db: Knex;
  config: AppConfig;
  clock: ReturnType<typeof testClock>;
  services: Services;
  close(): Promise<void>;
};

/**
 * A migrated database with initial data, an admin and a staff member, and the app on it; by
 * default on a fresh database of the kind under test, or on the given one (a cluster's).
 */
export async function installedApp(given?: TestDatabase): Promise<InstalledApp> {
  const tdb = given ?? (await createTestDatabase());
  const db = createKnex(tdb.config, tdb.dataDir, testPool);
  await migrateLatest(db);
  const clock = testClock();
  const basics = {
    name: 'Acme Support',
    url: 'http://localhost',
    email: 'help@example.com',
    timezone: 'UTC',
    language: 'en' as const,
  };
  const passwordHash = await hashPassword(adminCredentials.password);
  await withTransaction(db, (trx) =>
    createInitialData(
      trx,
      { basics, admin: { ...adminCredentials, passwordHash }, version: 'test', secrets: testConfigSecrets },
      clock.now(),
    ),
  );
  await insertStaff(
    db,
    {
      ...staffCredentials,
      passwordHash: await hashPassword(staffCredentials.password),
      isAdmin: false,
      language: 'en',
    },
    clock.now(),
  );
  const config = testConfig(tdb.config, tdb.dataDir);
  const services = createServices({ config, db, logger: pino({ level: 'silent' }), i18n: createI18n(), clock });
  const app = createApp(services, { services });
  return {
    app,
    db,
    config,
    clock,
    services,
    close: async () => {
      await db.destroy();
      await tdb.drop();
    },
  };
}

/** The SQL statements run on the app's database while `work` runs. */
export async function queriesDuring(t: InstalledApp, work: () => Promise<unknown>): Promise<string[]> {
  const seen: string[] = [];
  const listener = (q: { sql: string }) => seen.push(q.sql);
  t.db.on('query', listener);
  try {
    await work();
  } finally {
    t.db.off('query', listener);
  }
  return seen;
}

/** Another instance of the same help desk on its database, as a second process behind a load balancer. */
export function secondInstance(t: InstalledApp): Services {
  return createServices({
    config: t.config,
    db: t.db,
    logger: t.services.logger,
    i18n: t.services.i18n,
    clock: t.clock,
  });
}

/**
 * The same help desk behind a proxy that names the client (X-Forwarded-For), so one test can speak
 * from several client addresses.
 */
export function behindProxy(t: InstalledApp): Express {
  return createApp(
    { ...t.services, config: { ...t.config, server: { ...t.config.server, trustProxy: true } } },
    { services: t.services },
  );
}

/** The CSRF token of the first form on a page. */
export function csrfFrom(html: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!m) throw new Error('no CSRF token on the page');
  return m[1]!;
}

export async function signIn(agent: request.Agent, creds: { email: string; password: string }) {
  const page = await agent.get('/admin/login');
  return agent
    .post('/admin/login')
    .type('form')
    .send({ _csrf: csrfFrom(page.text), email: creds.email, password: creds.password });
}

/** A supertest agent signed in with these credentials (the sign-in must succeed). */
export async function signedInAgent(
  app: InstalledApp,
  creds: { email: string; password: string },
): Promise<request.Agent> {
  const agent = request.agent(app.app);
  expect((await signIn(agent, creds)).status).toBe(303);
  return agent;
}

/**
 * The usual set-up of an HTTP test file: one installed help desk for the file, closed at the
 * end; with freshRateLimits, counters are cleared before each test so tests do not throttle
 * one another.
 */
export function useInstalledApp(receive: (app: InstalledApp) => void, opts: { freshRateLimits?: boolean } = {}): void {
  let app: InstalledApp | undefined;
  beforeAll(async () => {
    app = await installedApp();
    receive(app);
  });
  afterAll(async () => app?.close());
  if (opts.freshRateLimits) {
    beforeEach(async () => {
      await app!.db('rate_limits').del();
    });
  }
}
