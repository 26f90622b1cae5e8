import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { createInstallApp } from '../../install/install-app';
import type { DatabaseConfig } from '../../src/config/config.schema';
import { createTessera, type Tessera } from '../../src/tessera';
import { csrfFrom } from './installed-app';
import { createTestDatabase, tempDir, type TestDatabase } from './test-db';

export type WizardEnv = {
  env: Record<string, string>;
  configDir: string;
  dataDir: string;
  tessera: Tessera;
  agent: request.Agent;
  close(): Promise<void>;
};

/** A not-yet-installed Tessera with its own config and data folders, driven through HTTP. */
export function freshTessera(dataDir = tempDir()): WizardEnv {
  const configDir = tempDir('tessera-config-');
  const env = {
    TESSERA_CONFIG_DIR: configDir,
    TESSERA_DATA_DIR: dataDir,
    TESSERA_ATTACHMENTS_DIR: path.join(dataDir, 'attachments'),
    TESSERA_LOG_LEVEL: 'silent',
  };
  const tessera = createTessera(createInstallApp, env);
  const server = (req: Parameters<Tessera['handle']>[0], res: Parameters<Tessera['handle']>[1]) =>
    tessera.handle(req, res);
  return {
    env,
    configDir,
    dataDir,
    tessera,
    agent: request.agent(server),
    close: async () => {
      await tessera.close();
      fs.rmSync(configDir, { recursive: true, force: true });
    },
  };
}

/** A second process of the same installation (same config and data folders). */
export function freshTesseraSharing(first: WizardEnv): WizardEnv {
  const tessera = createTessera(createInstallApp, first.env);
  const server = (req: Parameters<Tessera['handle']>[0], res: Parameters<Tessera['handle']>[1]) =>
    tessera.handle(req, res);
  return { ...first, tessera, agent: request.agent(server), close: () => tessera.close() };
}

/** The form fields the database step sends for a database config. */
export function databaseForm(db: DatabaseConfig): Record<string, string> {
  if (db.client === 'sqlite') return { client: 'sqlite' };
  return {
    client: db.client,
    host: db.host,
    port: String(db.port),
    database: db.database,
    user: db.user,
    password: db.password,
  };
}

export async function postStep(agent: request.Agent, step: string, fields: Record<string, string>) {
  const page = await agent.get(`/install/${step}`);
  return agent
    .post(`/install/${step}`)
    .type('form')
    .send({ _csrf: csrfFrom(page.text), ...fields });
}

export const basicsForm = {
  name: 'Acme Support',
  url: 'http://localhost:3000',
  email: 'help@acme.example',
  timezone: 'Europe/Bratislava',
  language: 'en',
};
export const adminForm = { name: 'Ada Owner', email: 'owner@acme.example', password: 'plum tractor velvet 1984 orbit' };

/** Walks welcome, checks and database; stops before basics. */
export async function throughDatabase(agent: request.Agent, db: DatabaseConfig) {
  expect((await postStep(agent, 'welcome', { accept: 'yes' })).headers.location).toBe('/install/checks');
  expect((await postStep(agent, 'checks', {})).headers.location).toBe('/install/database');
  return postStep(agent, 'database', { ...databaseForm(db), action: 'continue' });
}

/** The help desk basics, then the e-mail step skipped: the wizard stands at the admin step. */
export async function throughBasics(agent: request.Agent) {
  expect((await postStep(agent, 'basics', basicsForm)).headers.location).toBe('/install/mail');
  expect((await postStep(agent, 'mail', { action: 'skip' })).headers.location).toBe('/install/admin');
}

/** The whole wizard; returns the response of the final step. */
export async function runWizard(agent: request.Agent, db: DatabaseConfig, admin = adminForm) {
  const database = await throughDatabase(agent, db);
  expect(database.status).toBe(303);
  expect(database.headers.location).toBe('/install/basics');
  await throughBasics(agent);
  return postStep(agent, 'admin', admin);
}

/** Each test of the file on its own empty database, with a fresh help desk not yet installed. */
export function useFreshWizard(set: (tdb: TestDatabase, w: WizardEnv) => void): void {
  let current: { tdb: TestDatabase; w: WizardEnv } | undefined;
  beforeEach(async () => {
    const tdb = await createTestDatabase();
    current = { tdb, w: freshTessera(tdb.dataDir) };
    set(current.tdb, current.w);
  });
  afterEach(async () => {
    await current?.w.close();
    await current?.tdb.drop();
  });
}
