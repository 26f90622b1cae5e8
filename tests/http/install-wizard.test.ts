import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { createKnex } from '../../src/db/knex-factory';
import { migrateLatest } from '../../src/db/migrate';
import { installFresh } from '../../src/setup/installer';
import { csrfFrom, signIn } from '../helpers/installed-app';
import { adminConnection, testDbKind, type TestDatabase } from '../helpers/test-db';
import {
  adminForm,
  basicsForm,
  databaseForm,
  freshTessera,
  freshTesseraSharing,
  postStep,
  runWizard,
  throughBasics,
  throughDatabase,
  type WizardEnv,
  useFreshWizard,
} from '../helpers/wizard';

let tdb: TestDatabase;
let w: WizardEnv;
useFreshWizard((db, env) => {
  tdb = db;
  w = env;
});

async function countRows(table: string): Promise<number> {
  const db = createKnex(tdb.config, tdb.dataDir);
  try {
    const [row] = await db(table).count<{ n: number }[]>({ n: '*' });
    return Number(row!.n);
  } finally {
    await db.destroy();
  }
}

test(`the wizard installs Tessera on ${testDbKind}, then locks itself`, async () => {
  await w.agent.get('/helpdesk').expect(302).expect('Location', '/install');
  await w.agent.get('/admin/login').expect(302).expect('Location', '/install');
  await w.agent.get('/healthz').expect(200);
  await w.agent.get('/readyz').expect(503);
  await w.agent.get('/install').expect(303).expect('Location', '/install/welcome');

  const finish = await runWizard(w.agent, tdb.config);
  expect(finish.status).toBe(200);
  expect(finish.text).toContain('Tessera is installed');
  expect(finish.text).toContain('href="/admin/login"');

  const local = path.join(w.configDir, 'local.json');
  expect(fs.statSync(local).mode & 0o777).toBe(0o600);
  const written = JSON.parse(fs.readFileSync(local, 'utf8'));
  expect(written.installed).toBe(true);
  expect(written.database.client).toBe(tdb.config.client);
  expect(written.secrets.session.length).toBeGreaterThanOrEqual(32);
  expect(fs.existsSync(path.join(w.configDir, '.install.lock'))).toBe(false);

  for (const url of ['/install', '/install/welcome', '/install/database', '/install/admin', '/install/finish']) {
    await w.agent.get(url).expect(404);
  }
  // Replayed wizard POSTs after the install change nothing.
  const replay = await w.agent
    .post('/install/admin')
    .type('form')
    .send({ ...adminForm, email: 'intruder@example.com' });
  expect(replay.status).toBe(404);
  expect(await countRows('staff_users')).toBe(1);

  const signedIn = await signIn(w.agent, { email: adminForm.email, password: adminForm.password });
  expect(signedIn.status).toBe(303);
  const dash = await w.agent.get('/admin').expect(200);
  expect(dash.text).toContain('Ada Owner');
  const home = await w.agent.get('/helpdesk').expect(200);
  expect(home.text).toContain('Acme Support');
});

test('steps cannot be skipped, and the licence must be accepted', async () => {
  await w.agent.get('/install/admin').expect(303).expect('Location', '/install/welcome');
  await w.agent.get('/install/database').expect(303).expect('Location', '/install/welcome');
  const refused = await postStep(w.agent, 'welcome', {});
  expect(refused.status).toBe(400);
  expect(refused.text).toContain('Tick the box to accept the licence');
  expect(refused.text).toContain('MIT License');
});

test('wizard forms without a CSRF token are refused', async () => {
  await w.agent.get('/install/welcome');
  const res = await w.agent.post('/install/welcome').type('form').send({ accept: 'yes' });
  expect(res.status).toBe(403);
  await w.agent.get('/install/checks').expect(303);
});

test('arrays where strings are expected get a clear error, not a crash', async () => {
  await throughDatabase(w.agent, tdb.config);
  const page = await w.agent.get('/install/basics');
  const token = csrfFrom(page.text);
  const res = await w.agent
    .post('/install/basics')
    .type('form')
    .send(
      `_csrf=${encodeURIComponent(token)}&name=A&name=B&url=http://x.example&email=a@example.com&timezone=UTC&language=en&language=sk`,
    );
  expect(res.status).toBe(400);
  expect(res.text).toContain('There is a problem');
  expect(res.text).toContain('href="#name"');
  expect(res.text).toContain('href="#language"');
});

test('bad help desk basics are shown beside their fields with the values kept', async () => {
  await throughDatabase(w.agent, tdb.config);
  const res = await postStep(w.agent, 'basics', {
    name: '<script>alert(1)</script>',
    url: 'javascript:alert(1)',
    email: 'not-an-email',
    timezone: 'Mars/Olympus',
    language: 'xx',
  });
  expect(res.status).toBe(400);
  expect(res.text).toContain('Enter an address that starts with http:// or https://.');
  expect(res.text).toContain('Enter an e-mail address like name@example.com.');
  expect(res.text).toContain('Choose a time zone from the list.');
  expect(res.text).toContain('value="&lt;script&gt;alert(1)&lt;/script&gt;"');
  expect(res.text).not.toContain('<script>alert(1)');
});

test('a weak administrator password is refused and nothing is created', async () => {
  await throughDatabase(w.agent, tdb.config);
  await throughBasics(w.agent);
  for (const password of ['short', 'password123456', 'owner@acme.example1']) {
    const res = await postStep(w.agent, 'admin', { ...adminForm, password });
    expect(res.status).toBe(400);
    expect(res.text).toMatch(/at least 12 characters|too easy to guess/);
    expect(res.text).toContain('value="owner@acme.example"');
  }
  const db = createKnex(tdb.config, tdb.dataDir);
  try {
    expect(await db.schema.hasTable('staff_users')).toBe(false);
  } finally {
    await db.destroy();
  }
  expect(fs.existsSync(path.join(w.configDir, 'local.json'))).toBe(false);
  // The same visitor can still finish.
  expect((await postStep(w.agent, 'admin', adminForm)).status).toBe(200);
});

test('an unreachable database server is explained', async () => {
  await postStep(w.agent, 'welcome', { accept: 'yes' });
  await postStep(w.agent, 'checks', {});
  const res = await postStep(w.agent, 'database', {
    client: 'mysql',
    host: '127.0.0.1',
    port: '1',
    database: 'tessera',
    user: 'root',
    password: '',
    action: 'test',
  });
  expect(res.status).toBe(400);
  expect(res.text).toContain('Nothing answered at that host and port');
  const badPort = await postStep(w.agent, 'database', {
    client: 'postgres',
    host: 'db host',
    port: '70000',
    database: 'x;drop',
    user: 'u',
    password: '',
    action: 'test',
  });
  expect(badPort.status).toBe(400);
  expect(badPort.text).toContain('Enter a port number between 1 and 65535.');
  expect(badPort.text).toContain('Enter a host name or IP address without spaces.');
  expect(badPort.text).toContain('Use only letters, digits, _ and - in the database name.');
});

test('a database that already holds Tessera is not installed over; an admin may connect to it', async () => {
  expect((await runWizard(w.agent, tdb.config)).status).toBe(200);
  const second = freshTessera(tdb.dataDir);
  try {
    const res = await throughDatabase(second.agent, tdb.config);
    expect(res.headers.location).toBe('/install/existing');
    await second.agent.get('/install/basics').expect(303).expect('Location', '/install/database');
    const wrong = await postStep(second.agent, 'existing', {
      email: adminForm.email,
      password: 'not the password at all',
    });
    expect(wrong.status).toBe(400);
    expect(wrong.text).toContain('This is not an administrator of that help desk');
    const ok = await postStep(second.agent, 'existing', { email: adminForm.email, password: adminForm.password });
    expect(ok.status).toBe(200);
    expect(ok.text).toContain('Tessera is installed');
    await second.agent.get('/install').expect(404);
    expect(await countRows('staff_users')).toBe(1);
  } finally {
    await second.close();
  }
});

test('a half-finished earlier run does not block a new one', async () => {
  const db = createKnex(tdb.config, tdb.dataDir);
  await migrateLatest(db);
  await db('statuses').insert({ key: 'leftover', name: 'Leftover', color: '#000', is_open: true });
  await db.destroy();
  const basics = await throughDatabase(w.agent, tdb.config);
  expect(basics.headers.location).toBe('/install/basics');
  const page = await w.agent.get('/install/basics');
  expect(page.text).toContain('An unfinished installation was found');
  await throughBasics(w.agent);
  expect((await postStep(w.agent, 'admin', adminForm)).status).toBe(200);
  expect(await countRows('statuses')).toBe(7);
});

test('two visitors finishing at the same moment produce one install', async () => {
  const other = request.agent(
    (req: Parameters<typeof w.tessera.handle>[0], res: Parameters<typeof w.tessera.handle>[1]) =>
      w.tessera.handle(req, res),
  );
  for (const agent of [w.agent, other]) {
    await throughDatabase(agent, tdb.config);
    await throughBasics(agent);
  }
  const tokens = await Promise.all([w.agent, other].map(async (a) => csrfFrom((await a.get('/install/admin')).text)));
  const [a, b] = await Promise.all([
    w.agent
      .post('/install/admin')
      .type('form')
      .send({ _csrf: tokens[0], ...adminForm }),
    other
      .post('/install/admin')
      .type('form')
      .send({ _csrf: tokens[1], ...adminForm, email: 'second@acme.example' }),
  ]);
  const statuses = [a.status, b.status].sort();
  expect(statuses[0]).toBe(200);
  expect([404, 409]).toContain(statuses[1]);
  expect(await countRows('staff_users')).toBe(1);
  await w.agent.get('/install').expect(404);
});

const serverOnly = testDbKind === 'sqlite' ? test.skip : test;

serverOnly('a wrong database password and a user without CREATE privilege are explained', async () => {
  await postStep(w.agent, 'welcome', { accept: 'yes' });
  await postStep(w.agent, 'checks', {});
  const form = databaseForm(tdb.config);
  // A server that trusts local connections accepts any password, so the user is unknown too.
  const wrong = await postStep(w.agent, 'database', {
    ...form,
    user: 'no_such_user',
    password: 'definitely-wrong',
    action: 'test',
  });
  expect(wrong.status).toBe(400);
  expect(wrong.text).toContain('The server refused the user name or password');

  const user = `tessera_ro_${process.pid}`;
  const admin = adminConnection(testDbKind as 'mysql' | 'postgres');
  const dbAdmin = createKnex({ ...tdb.config, poolMax: 1 }, tdb.dataDir);
  try {
    if (testDbKind === 'mysql') {
      await admin.raw(`DROP USER IF EXISTS '${user}'@'%'`);
      await admin.raw(`CREATE USER '${user}'@'%' IDENTIFIED BY 'readonly-pass'`);
      await admin.raw(`GRANT SELECT, INSERT, UPDATE, DELETE ON \`${tdb.config.database}\`.* TO '${user}'@'%'`);
    } else {
      await admin.raw(`DROP ROLE IF EXISTS ${user}`);
      await admin.raw(`CREATE ROLE ${user} LOGIN PASSWORD 'readonly-pass'`);
      await dbAdmin.raw(`REVOKE CREATE ON SCHEMA public FROM PUBLIC`);
      await dbAdmin.raw(`GRANT USAGE ON SCHEMA public TO ${user}`);
    }
    const res = await postStep(w.agent, 'database', { ...form, user, password: 'readonly-pass', action: 'continue' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('The database user lacks privileges Tessera needs');
    expect(res.text).toMatch(/✗<\/span> Create tables/);
    await w.agent.get('/install/basics').expect(303).expect('Location', '/install/database');
    expect(await dbAdmin.schema.hasTable('settings')).toBe(false);
  } finally {
    await dbAdmin.destroy();
    await admin
      .raw(testDbKind === 'mysql' ? `DROP USER IF EXISTS '${user}'@'%'` : `DROP ROLE IF EXISTS ${user}`)
      .catch(() => undefined);
    await admin.destroy();
  }
});

test("another application's tables are never taken over", async () => {
  const db = createKnex(tdb.config, tdb.dataDir);
  await db.schema.createTable('customers', (t) => t.increments('id'));
  try {
    await postStep(w.agent, 'welcome', { accept: 'yes' });
    await postStep(w.agent, 'checks', {});
    const res = await postStep(w.agent, 'database', { ...databaseForm(tdb.config), action: 'continue' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('already has a table named &#34;customers&#34;');
    expect(await db.schema.hasTable('settings')).toBe(false);
  } finally {
    await db.destroy();
  }
});

test('an install that fails midway is undone and can simply be run again', async () => {
  const ctx = { env: w.env, configDir: w.configDir, version: 'test', now: () => Date.now() };
  const plan = { database: tdb.config, basics: { ...basicsForm, language: 'en' as const }, admin: adminForm };
  // The clock fails once the migrations have run, in the middle of writing the initial data.
  await expect(
    installFresh(
      {
        ...ctx,
        now: () => {
          throw new Error('power cut');
        },
      },
      plan,
    ),
  ).rejects.toThrow('power cut');
  const db = createKnex(tdb.config, tdb.dataDir);
  try {
    for (const table of ['settings', 'staff_users', 'tickets', 'bans', 'tessera_migrations'])
      expect([table, await db.schema.hasTable(table)]).toEqual([table, false]);
  } finally {
    await db.destroy();
  }
  expect(fs.existsSync(path.join(w.configDir, 'local.json'))).toBe(false);
  await installFresh(ctx, plan);
  expect(await countRows('staff_users')).toBe(1);
});

test('the first category is named in the language the owner chose', async () => {
  const ctx = { env: w.env, configDir: w.configDir, version: 'test', now: () => Date.now() };
  await installFresh(ctx, {
    database: tdb.config,
    basics: { ...basicsForm, language: 'sk' as const },
    admin: adminForm,
  });
  const db = createKnex(tdb.config, tdb.dataDir);
  try {
    expect((await db('categories').select('name')).map((c) => c.name)).toEqual(['Všeobecné']);
  } finally {
    await db.destroy();
  }
});

test('once one process has installed, the wizard closes in every other process too', async () => {
  const other = freshTesseraSharing(w);
  try {
    await other.agent.get('/install/welcome').expect(200);
    expect((await runWizard(w.agent, tdb.config)).status).toBe(200);
    await other.agent.get('/install/welcome').expect(404);
    await other.agent
      .post('/install/database')
      .type('form')
      .send({ client: 'mysql', host: '10.0.0.1', port: '3306' })
      .expect(404);
    await other.agent.get('/helpdesk').expect(200);
  } finally {
    await other.close();
  }
});

test('lists and unknown host names on the database and existing steps get clear errors', async () => {
  await postStep(w.agent, 'welcome', { accept: 'yes' });
  await postStep(w.agent, 'checks', {});
  const page = await w.agent.get('/install/database');
  const token = csrfFrom(page.text);
  const lists = await w.agent
    .post('/install/database')
    .type('form')
    .send(
      `_csrf=${encodeURIComponent(token)}&client=mysql&client=postgres&host=a&host=b&port=3306&database=x&user=u&password=p`,
    );
  expect(lists.status).toBe(400);
  expect(lists.text).toContain('There is a problem');
  const unknown = await postStep(w.agent, 'database', {
    client: 'postgres',
    host: 'no-such-host.invalid',
    port: '5432',
    database: 'x',
    user: 'u',
    password: 'p',
    action: 'test',
  });
  expect(unknown.status).toBe(400);
  expect(unknown.text).toContain('The host name could not be found');
});
