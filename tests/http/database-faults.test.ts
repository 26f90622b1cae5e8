/** @jest-environment ./tests/helpers/rejection-watch-environment.ts */
import crypto from 'node:crypto';
import fs from 'node:fs';
import pino from 'pino';
import request from 'supertest';
import type { DatabaseConfig } from '../../src/config/config.schema';
import { createKnex, sqliteFilePath } from '../../src/db/knex-factory';
import { startJobs } from '../../src/jobs/job-runner';
import { createApp } from '../../src/web/app';
import { createServices } from '../../src/web/app-services';
import { startDbProxy, type DbProxy } from '../helpers/db-proxy';
import { adminCredentials, csrfFrom, installedApp, signIn, type InstalledApp } from '../helpers/installed-app';
import { openTicket, validTicket } from '../helpers/portal';
import { testDbKind } from '../helpers/test-db';
import { waitFor } from '../helpers/wait-for';

declare const unhandledRejections: () => unknown[];

// SQLite has no network between the app and its file: the cases that cut or freeze that
// network run on MariaDB and PostgreSQL; on SQLite an unopenable file stands for "unreachable".
const overNetwork = testDbKind !== 'sqlite';
const networkOnly = overNetwork ? test : test.skip;

let t: InstalledApp;
let proxy: DbProxy | null = null;
beforeAll(async () => {
  t = await installedApp();
  if (overNetwork) proxy = await startDbProxy({ host: t.config.database.host, port: t.config.database.port! });
});
afterAll(async () => {
  await proxy?.close();
  await t?.close();
});
afterEach(() => {
  // Every outage below must be met by handled errors only (the process logs any other one).
  expect(unhandledRejections()).toEqual([]);
});

type Instance = InstalledApp & { stop(): Promise<void> };

/** A second process's app (and background jobs) on the same help desk, through `database`. */
function instanceOn(database: DatabaseConfig, opts: { jobs?: boolean } = {}): Instance {
  const db = createKnex(database, t.config.paths.data);
  const services = createServices({
    config: { ...t.config, database },
    db,
    logger: pino({ level: 'silent' }),
    i18n: t.services.i18n,
    clock: t.clock,
  });
  const app = createApp(services, { services });
  const jobs = opts.jobs === false ? null : startJobs(services, { intervalMs: 50 });
  const stop = async () => {
    await jobs?.stop();
    await db.destroy();
  };
  return { ...t, app, db, services, stop };
}

/** An instance whose database cannot be reached until `heal()`. */
function unreachableInstance(): { instance: Instance; heal(): void } {
  if (proxy) {
    proxy.setMode('refuse');
    return {
      instance: instanceOn({ ...t.config.database, host: proxy.host, port: proxy.port }),
      heal: () => proxy!.setMode('pass'),
    };
  }
  // SQLite: the file's place is taken by a directory, which SQLite cannot open; healing puts a
  // copy of the help desk's database there.
  const database = { ...t.config.database, filename: `moved-${crypto.randomUUID()}.sqlite` };
  const file = sqliteFilePath(database, t.config.paths.data);
  fs.mkdirSync(file, { recursive: true });
  return {
    instance: instanceOn(database),
    heal: () => {
      fs.rmSync(file, { recursive: true });
      fs.copyFileSync(sqliteFilePath(t.config.database, t.config.paths.data), file);
    },
  };
}

async function readyz(app: Instance['app']): Promise<number> {
  return (await request(app).get('/readyz')).status;
}

test('a process started while the database is unreachable heals by itself: ready, sign-in and the ticket form', async () => {
  await t.db.raw(testDbKind === 'sqlite' ? 'PRAGMA wal_checkpoint(TRUNCATE)' : 'select 1');
  const { instance, heal } = unreachableInstance();
  try {
    expect((await request(instance.app).get('/readyz').expect(503)).body).toEqual({ status: 'database_unavailable' });
    expect((await request(instance.app).get('/admin/login').expect(503)).text).toContain('Temporarily unavailable');
    await request(instance.app).get('/helpdesk/tickets/new').expect(503);

    heal();
    await waitFor(async () => (await readyz(instance.app)) === 200, 'ready after healing');
    const agent = request.agent(instance.app);
    expect((await signIn(agent, adminCredentials)).status).toBe(303);
    await agent.get('/admin/tickets').expect(200);
    const customer = request.agent(instance.app);
    const trackingId = await openTicket(instance, customer, { subject: 'After the outage' });
    await customer.get(`/helpdesk/tickets/${trackingId}`).expect(200);
  } finally {
    await instance.stop();
  }
});

test('with the database unreachable the API answers 503 "unavailable" and pages the unavailable page', async () => {
  const { instance, heal } = unreachableInstance();
  try {
    const api = await request(instance.app)
      .get('/api/v1/statuses')
      .set('Authorization', 'Bearer tsr_not_a_real_token')
      .expect(503);
    expect(api.body.error.code).toBe('unavailable');
    expect(api.headers['retry-after']).toBeDefined();
    await request(instance.app).post('/api/v1/tickets').send({ name: 'X' }).expect(503);
    const page = await request(instance.app).get('/helpdesk').expect(503);
    expect(page.text).toContain('Temporarily unavailable');
  } finally {
    heal();
    await instance.stop();
  }
});

/** Sends `send()` while the database is frozen, cuts the database once it waits, and returns the answer. */
async function cutMidRequest<T>(send: () => Promise<T>): Promise<T> {
  proxy!.setMode('freeze');
  const inFlight = send();
  await waitFor(() => proxy!.held() > 0, 'the request to wait on the database');
  proxy!.setMode('refuse');
  const answer = await inFlight;
  proxy!.setMode('pass');
  return answer;
}

networkOnly(
  'a database lost in the middle of a request: 503, then the same request works once it is back (MariaDB/PostgreSQL: SQLite has no network to cut)',
  async () => {
    const instance = instanceOn({ ...t.config.database, host: proxy!.host, port: proxy!.port });
    try {
      const staff = request.agent(instance.app);
      expect((await signIn(staff, adminCredentials)).status).toBe(303);
      const cut = await cutMidRequest(async () => staff.get('/admin/tickets'));
      expect(cut.status).toBe(503);
      expect(cut.text).toContain('Temporarily unavailable');
      await waitFor(async () => (await staff.get('/admin/tickets')).status === 200, 'the ticket list after healing');

      // A write (the ticket form's transaction) cut the same way stores nothing; sent again, it works.
      const customer = request.agent(instance.app);
      const form = await customer.get('/helpdesk/tickets/new').expect(200);
      const hidden = (name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(form.text)?.[1] ?? '';
      t.clock.advance(5000);
      const post = () =>
        customer
          .post('/helpdesk/tickets/new')
          .type('form')
          .send({
            _csrf: csrfFrom(form.text),
            shown: hidden('shown'),
            submission_key: hidden('submission_key'),
            ...validTicket,
            subject: 'Sent during an outage',
          })
          .then((res) => res);
      expect((await cutMidRequest(post)).status).toBe(503);
      await waitFor(async () => (await post()).status === 303, 'the ticket form after healing');
      expect(await t.db('tickets').where({ subject: 'Sent during an outage' }).count({ n: '*' }).first()).toEqual({
        n: 1,
      });
    } finally {
      proxy!.setMode('pass');
      await instance.stop();
    }
  },
);

/** Makes the database stop answering (without closing anything) until `thaw()`. */
async function freeze(instance: Instance): Promise<{ thaw(): Promise<void> }> {
  if (proxy) {
    proxy.setMode('freeze');
    return { thaw: async () => proxy!.setMode('pass') };
  }
  // SQLite's pool has one connection: a transaction holding it is what makes SQLite wait.
  const trx = await instance.db.transaction();
  return { thaw: async () => void (await trx.commit()) };
}

test('a frozen database: /readyz answers 503 within its time limit, again and again, and keeps no connection', async () => {
  // No background jobs here: a job waiting on the frozen database would hold a connection too.
  const instance = instanceOn(
    proxy ? { ...t.config.database, host: proxy.host, port: proxy.port } : t.config.database,
    { jobs: false },
  );
  const pool = (instance.db.client as { pool: { numUsed(): number; numPendingAcquires(): number } }).pool;
  try {
    await request(instance.app).get('/readyz').expect(200);
    // Nothing else may be waiting on the database when it freezes (the session store's first
    // clean-up runs at start).
    await waitFor(() => pool.numUsed() + pool.numPendingAcquires() === 0, 'the start-up queries to end');
    const { thaw } = await freeze(instance);
    try {
      // More checks than the pool has connections: a check that kept its connection would
      // leave the later ones nothing to use.
      for (let i = 0; i <= t.config.database.poolMax; i++) {
        const started = Date.now();
        const res = await request(instance.app).get('/readyz');
        expect(res.status).toBe(503);
        expect(res.body).toEqual({ status: 'database_timeout' });
        // The limit is one second; the old check waited 8-15 s. Bounded loosely for busy machines.
        expect(Date.now() - started).toBeLessThan(4000);
      }
      // What stays in use is the freezing itself (SQLite: the transaction holding its one connection).
      await waitFor(() => pool.numUsed() === (proxy ? 0 : 1), 'the timed-out checks to give up their connections');
    } finally {
      await thaw();
    }
    await waitFor(async () => (await readyz(instance.app)) === 200, 'ready once the database answers');
  } finally {
    await instance.stop();
  }
});

networkOnly(
  'a database frozen from the start: the API answers 503 "unavailable" once the connection attempt times out (MariaDB/PostgreSQL: SQLite has no network to freeze)',
  async () => {
    proxy!.setMode('freeze');
    const instance = instanceOn({ ...t.config.database, host: proxy!.host, port: proxy!.port });
    try {
      const api = await request(instance.app)
        .get('/api/v1/statuses')
        .set('Authorization', 'Bearer tsr_not_a_real_token')
        .expect(503);
      expect(api.body.error.code).toBe('unavailable');
      const page = await request(instance.app).get('/admin/login').expect(503);
      expect(page.text).toContain('Temporarily unavailable');
    } finally {
      proxy!.setMode('pass');
      await instance.stop();
    }
  },
);
