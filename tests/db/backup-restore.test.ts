import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import type { Knex } from 'knex';
import request from 'supertest';
import { attachmentFiles, writeBackup } from '../../src/db/backup/backup';
import { RestoreError, restoreBackup, seededByMigrations } from '../../src/db/backup/restore';
import { foreignKeys, tableShapes } from '../../src/db/backup/table-shape';
import { toPortable } from '../../src/db/backup/values';
import { insertReturningId } from '../../src/db/insert';
import { createKnex } from '../../src/db/knex-factory';
import { knownMigrations, migratorConfig } from '../../src/db/migrate';
import { projectRoot } from '../../src/paths';
import { adminCredentials, csrfFrom, installedApp, signedInAgent, type InstalledApp } from '../helpers/installed-app';
import { seedSmallKb } from '../helpers/kb-fixtures';
import { openTicket, submitForm, validTicket } from '../helpers/portal';
import {
  adminConnection,
  createTestDatabase,
  tempDir,
  testDbKind,
  testPool,
  type TestDatabase,
  type TestDbKind,
} from '../helpers/test-db';

jest.setTimeout(240_000);

type Target = { tdb: TestDatabase; db: Knex; attachments: string };
const targets: Target[] = [];
let t: InstalledApp;
let work: string;

async function target(kind: TestDbKind): Promise<Target> {
  const tdb = await createTestDatabase(kind);
  const one = {
    tdb,
    db: createKnex(tdb.config, tdb.dataDir, testPool),
    attachments: path.join(tdb.dataDir, 'attachments'),
  };
  targets.push(one);
  return one;
}

/** JSON text compared by meaning (PostgreSQL's jsonb orders keys its own way). */
function canonicalJson(s: string): string {
  const sortKeys = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sortKeys)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.entries(v)
              .sort(([a], [b]) => a.localeCompare(b))
              .map(([k, x]) => [k, sortKeys(x)]),
          )
        : v;
  try {
    return JSON.stringify(sortKeys(JSON.parse(s)));
  } catch {
    return s;
  }
}

/** Every row of every table in the backup's neutral form; times to the second (MySQL's DATETIME keeps no more). */
async function rowsOf(db: Knex): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const [table, shape] of await tableShapes(db)) {
    const rows = (await db(table).select('*')) as Record<string, unknown>[];
    out[table] = rows
      .map((r) =>
        JSON.stringify(
          shape.columns.map((c) => {
            const v = toPortable(c.kind, r[c.name]);
            if (c.kind === 'date' && typeof v === 'string') return v.slice(0, 19);
            return typeof v === 'string' && /^[[{]/.test(v) ? canonicalJson(v) : v;
          }),
        ),
      )
      .sort();
  }
  return out;
}

function filesOf(dir: string): Record<string, string> {
  return Object.fromEntries(
    attachmentFiles(dir).map((rel) => [
      rel,
      crypto
        .createHash('sha256')
        .update(fs.readFileSync(path.join(dir, rel)))
        .digest('hex'),
    ]),
  );
}

async function emptyTables(db: Knex): Promise<string[]> {
  const out: string[] = [];
  // A table a migration fills in holds those rows only: "empty" for a restore.
  for (const table of (await tableShapes(db)).keys())
    if (Number((await db(table).count({ n: '*' }))[0]!.n) <= (seededByMigrations.get(table) ?? 0)) out.push(table);
  return out;
}

beforeAll(async () => {
  work = tempDir('tessera-backup-');
  t = await installedApp();
  const agent = request.agent(t.app);
  await openTicket(t, agent, {
    subject: 'Straße <script>alert(1)</script> ✓',
    message: 'Zürich — «quotes» \u{1F600}\nline two',
  });
  const log = Buffer.from(
    Array.from({ length: 6000 }, (_, i) => `line ${i} ${crypto.randomBytes(24).toString('hex')}`).join('\n'),
  );
  const withFile = await submitForm(t, agent, { ...validTicket, subject: 'Screenshot attached' }, [
    { name: 'notes.txt', content: 'plain text attachment\n' },
    { name: 'server.log.txt', content: log },
  ]);
  expect([withFile.status, withFile.status === 303 ? '' : withFile.text.slice(0, 2000)]).toEqual([303, '']);
  const kb = await seedSmallKb(t.db);
  const now = t.clock.now();
  // An article's file shares the ticket attachment's stored file (one blob per content); a day's counters.
  const shared = await t
    .db('attachments')
    .orderBy('id')
    .first('storage_key', 'file_name', 'content_type', 'size_bytes', 'sha256');
  await t.db('kb_article_files').insert({
    article_id: kb.articles.reset,
    storage_key: shared.storage_key,
    file_name: 'from-article.txt',
    content_type: shared.content_type,
    size_bytes: shared.size_bytes,
    sha256: shared.sha256,
    created_by: null,
    created_at: now,
  });
  await t
    .db('kb_article_daily')
    .insert({ article_id: kb.articles.reset, day: Math.floor(now / 86_400_000), views: 3, helpful: 1, not_helpful: 0 });
  await pointAtLaterRows(agent, now); // before the admin's two-factor row below, which would ask her for a code
  const admin = (await t.db('staff_users').where({ email: 'ada@example.com' }).first<{ id: number }>('id'))!.id;
  await t.db('staff_two_factor').insert({
    staff_id: admin,
    secret_encrypted: 'v1:abc:def',
    enabled_at: now,
    last_used_step: 123456,
    created_at: now,
    updated_at: now,
  });
  await t
    .db('staff_recovery_codes')
    .insert({ staff_id: admin, code_hash: 'f'.repeat(64), used_at: null, created_at: now });
  const calendar = await insertReturningId(t.db, 'sla_calendars', {
    name: 'Office',
    time_zone: 'Europe/Bratislava',
    week: JSON.stringify([[], [{ start: 540, end: 1020 }], [], [], [], [], []]),
    holidays: '[{"date":"2026-12-24","yearly":true}]',
    is_default: true,
    created_at: now,
    updated_at: now,
  });
  await t.db('sla_calendar_categories').insert({ category_id: 1, calendar_id: calendar });
  await insertReturningId(t.db, 'sla_policies', {
    name: 'Default',
    position: 0,
    calendar_id: calendar,
    category_id: null,
    customer_domain: null,
    field_id: null,
    field_value: null,
    targets: '{"1":{"first":60,"next":120,"resolution":480}}',
    is_active: false,
    created_at: now,
    updated_at: now,
  });
});

/**
 * Rows that point at a newer row of their own table (every self-referencing key Tessera has):
 * the first ticket merged into a newer one, a category escalating to a newer one, a KB category
 * moved under a newer one. A restore in key order meets the pointer before its target.
 */
async function pointAtLaterRows(customer: request.Agent, now: number): Promise<void> {
  const older = (await t.db('tickets').orderBy('id').first<{ id: number }>('id'))!.id;
  const newerTracking = await openTicket(t, customer, { subject: 'The newer ticket the first one is merged into' });
  const newer = (await t.db('tickets').where({ tracking_id: newerTracking }).first<{ id: number }>('id'))!.id;
  expect(newer).toBeGreaterThan(older);
  const staff = await signedInAgent(t, adminCredentials);
  const token = csrfFrom((await staff.get(`/admin/tickets/${older}`).expect(200)).text);
  await staff
    .post(`/admin/tickets/${older}/merge`)
    .type('form')
    .send({ _csrf: token, target: newerTracking, confirm: 'yes' })
    .expect(303);
  expect(
    (await t.db('tickets').where({ id: older }).first<{ merged_into_id: number }>('merged_into_id'))!.merged_into_id,
  ).toBe(newer);

  const second = await insertReturningId(t.db, 'categories', {
    name: 'Second line',
    tier: 2,
    is_public: false,
    is_active: true,
    sort_order: 5,
    created_at: now,
    updated_at: now,
  });
  await t.db('categories').where({ id: 1 }).update({ escalate_to_id: second });
  const firstKb = (await t.db('kb_categories').orderBy('id').first<{ id: number }>('id'))!.id;
  const newerKb = await insertReturningId(t.db, 'kb_categories', {
    parent_id: null,
    name: 'Newer parent',
    position: 9,
    public: true,
    created_at: now,
    updated_at: now,
  });
  await t.db('kb_categories').where({ id: firstKb }).update({ parent_id: newerKb });
}

afterAll(async () => {
  for (const one of targets) {
    await one.db.destroy();
    await one.tdb.drop();
  }
  await t?.close();
  fs.rmSync(work, { recursive: true, force: true });
});

const kinds: TestDbKind[] = ['sqlite', 'mysql', 'postgres'];

/** Whether a database server of this kind answers (SQLite always does). */
async function reachable(kind: TestDbKind): Promise<boolean> {
  if (kind === 'sqlite') return true;
  const admin = adminConnection(kind);
  try {
    await Promise.race([
      admin.raw('select 1'),
      new Promise((_, reject) => setTimeout(() => reject(new Error('no answer in 10 s')), 10_000).unref()),
    ]);
    return true;
  } catch {
    return false;
  } finally {
    await admin.destroy().catch(() => undefined);
  }
}

/**
 * The kinds the round trip visits, starting and ending at the one under test. Outside CI a
 * server that is not running only shortens the trip (said on the console); CI starts both
 * servers, so there an unreachable one fails the test.
 */
async function roundTripKinds(): Promise<TestDbKind[]> {
  const rotated = [...kinds.slice(kinds.indexOf(testDbKind)), ...kinds.slice(0, kinds.indexOf(testDbKind))];
  const others: TestDbKind[] = [];
  for (const kind of rotated.slice(1)) {
    if (await reachable(kind)) others.push(kind);
    else if (process.env.CI) throw new Error(`the ${kind} server is not reachable: CI must start it (.ci/run)`);
    else
      console.warn(
        `backup round trip: no ${kind} server reachable, the steps through ${kind} are skipped (they run in CI)`,
      );
  }
  return [testDbKind, ...others, testDbKind];
}

test('the round trip through every database kind keeps every row and every file', async () => {
  const chain = await roundTripKinds();
  const before = await rowsOf(t.db);
  const beforeFiles = filesOf(t.config.paths.attachments);
  for (const table of [
    'tickets',
    'messages',
    'attachments',
    'settings',
    'staff_users',
    'staff_two_factor',
    'kb_articles',
    'kb_article_versions',
    'kb_article_files',
    'kb_article_daily',
    'sla_calendars',
    'sla_policies',
    'customers',
  ]) {
    expect([table, before[table]!.length > 0]).toEqual([table, true]);
  }
  expect(Object.keys(beforeFiles).length).toBeGreaterThan(0);

  const keysOf = async (db: Knex) => (await foreignKeys(db)).map((k) => `${k.child}.${k.column} -> ${k.parent}`).sort();
  const keysBefore = await keysOf(t.db);
  expect(keysBefore).toContain('tickets.merged_into_id -> tickets');
  let from = { db: t.db, attachments: t.config.paths.attachments };
  for (const [i, kind] of chain.slice(1).entries()) {
    const file = path.join(work, `step-${i}.jsonl.gz`);
    const written = await writeBackup(from.db, from.attachments, file);
    expect(written.manifest.tables.tickets).toBe(before.tickets!.length);
    const to = await target(kind);
    const restored = await restoreBackup(to.db, to.attachments, file);
    expect(restored.files).toBe(Object.keys(beforeFiles).length);
    expect(await rowsOf(to.db)).toEqual(before);
    expect(filesOf(to.attachments)).toEqual(beforeFiles);
    // Every foreign key is there after the load (PostgreSQL's are set aside during it).
    expect(await keysOf(to.db)).toEqual(keysBefore);
    // PostgreSQL's KB search text is left out of archives and computed again: a search finds the articles.
    if (kind === 'postgres')
      expect(Number((await to.db('kb_article_versions').where('search_text', '').count({ n: '*' }))[0]!.n)).toBe(0);
    // New rows get fresh ids after the restored ones (sequences and counters moved on).
    const maxId = Number((await to.db('categories').max({ m: 'id' }))[0]!.m);
    const id = await insertReturningId(to.db, 'categories', {
      name: `New ${kind}`,
      tier: 1,
      is_public: true,
      is_active: true,
      sort_order: 9,
      created_at: 1,
      updated_at: 1,
    });
    expect(id).toBeGreaterThan(maxId);
    await to.db('categories').where({ id }).del();
    from = to;
  }
});

test('restore refuses a database that has rows and changes nothing', async () => {
  const file = path.join(work, 'refuse.jsonl.gz');
  await writeBackup(t.db, t.config.paths.attachments, file);
  const before = await rowsOf(t.db);
  await expect(restoreBackup(t.db, t.config.paths.attachments, file)).rejects.toThrow(/not empty/);
  expect(await rowsOf(t.db)).toEqual(before);
});

function writeArchive(file: string, lines: unknown[]): void {
  fs.writeFileSync(file, zlib.gzipSync(lines.map((l) => JSON.stringify(l)).join('\n') + '\n'));
}

test('restore refuses an archive from a newer Tessera before touching the database', async () => {
  const file = path.join(work, 'future.jsonl.gz');
  writeArchive(file, [
    {
      tessera_backup: 1,
      schema: '29991231000000_future',
      app_version: '9',
      source: 'sqlite',
      created_at: new Date().toISOString(),
    },
    { manifest: { tables: {}, files: {} } },
  ]);
  const to = await target(testDbKind);
  await expect(restoreBackup(to.db, to.attachments, file)).rejects.toThrow(/newer Tessera/);
  expect(await to.db.schema.hasTable('tickets')).toBe(false);
});

test('a cut-short or tampered archive leaves an empty database and no files, and says so', async () => {
  const good = path.join(work, 'good.jsonl.gz');
  await writeBackup(t.db, t.config.paths.attachments, good);
  const lines = zlib.gunzipSync(fs.readFileSync(good)).toString('utf8').trimEnd().split('\n');

  const cut = path.join(work, 'cut.jsonl.gz');
  fs.writeFileSync(cut, zlib.gzipSync(lines.slice(0, -1).join('\n')));
  const a = await target(testDbKind);
  const err = (await restoreBackup(a.db, a.attachments, cut).catch((e: unknown) => e)) as RestoreError;
  expect(err).toBeInstanceOf(RestoreError);
  expect(err.message).toMatch(/cut short/);
  expect(err.state).toMatch(/no rows/);
  expect((await tableShapes(a.db)).size).toBeGreaterThan(10);
  expect((await emptyTables(a.db)).length).toBe((await tableShapes(a.db)).size);
  expect(attachmentFiles(a.attachments)).toEqual([]);
  // The same database takes the good archive afterwards.
  await restoreBackup(a.db, a.attachments, good);
  expect(await rowsOf(a.db)).toEqual(await rowsOf(t.db));

  const tampered = path.join(work, 'tampered.jsonl.gz');
  const chunkAt = lines.findIndex((l) => l.startsWith('{"chunk"'));
  const changed = [...lines];
  changed[chunkAt] = JSON.stringify({ chunk: Buffer.from('not the original bytes').toString('base64') });
  fs.writeFileSync(tampered, zlib.gzipSync(changed.join('\n')));
  const b = await target(testDbKind);
  await expect(restoreBackup(b.db, b.attachments, tampered)).rejects.toThrow(/SHA-256/);
  expect(attachmentFiles(b.attachments)).toEqual([]);

  const escaping = path.join(work, 'escape.jsonl.gz');
  writeArchive(escaping, [JSON.parse(lines[0]!), { file: '../../outside.txt', size: 1 }, { chunk: 'eA==' }]);
  const c = await target(testDbKind);
  await expect(restoreBackup(c.db, c.attachments, escaping)).rejects.toThrow(/unsafe file name/);
  expect(fs.existsSync(path.join(c.tdb.dataDir, '..', 'outside.txt'))).toBe(false);
});

function cli(
  script: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      path.join(projectRoot, 'node_modules/.bin/tsx'),
      [path.join(projectRoot, 'src/cli', script), ...args],
      { cwd: projectRoot, env: { ...process.env, ...env }, timeout: 120_000 },
      (err, stdout, stderr) => {
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

function envFor(tdb: TestDatabase): Record<string, string> {
  const c = tdb.config;
  return {
    TESSERA_CONFIG_DIR: tdb.dataDir,
    TESSERA_INSTALLED: 'true',
    TESSERA_DB_CLIENT: c.client,
    TESSERA_DB_FILENAME: c.filename,
    TESSERA_DB_HOST: c.host,
    TESSERA_DB_PORT: String(c.port ?? ''),
    TESSERA_DB_NAME: c.database,
    TESSERA_DB_USER: c.user,
    TESSERA_DB_PASSWORD: c.password,
    TESSERA_DATA_DIR: tdb.dataDir,
    TESSERA_ATTACHMENTS_DIR: path.join(tdb.dataDir, 'attachments'),
    TESSERA_SESSION_SECRET: 's'.repeat(40),
    TESSERA_SIGNING_SECRET: 'k'.repeat(40),
    TESSERA_LOG_LEVEL: 'silent',
  };
}

test('the commands exit 0 on success, 1 on a refused restore and 2 on a usage error', async () => {
  const source = await target(testDbKind);
  const file = path.join(work, 'cli.jsonl.gz');
  await restoreBackup(source.db, source.attachments, path.join(work, 'good.jsonl.gz'));
  const backup = await cli('backup.ts', ['--out', file], envFor(source.tdb));
  expect(backup).toMatchObject({ code: 0 });
  expect(backup.stdout).toMatch(/Backup written/);

  const dest = await target(testDbKind);
  const restore = await cli('restore.ts', [file], envFor(dest.tdb));
  expect(restore.stdout).toMatch(/Restored \d+ rows and \d+ files/);
  expect(restore.code).toBe(0);
  // The source now also records this backup's run, which its own archive cannot hold.
  const { backup_runs: sourceRuns, ...sourceRows } = await rowsOf(source.db);
  const { backup_runs: destRuns, ...destRows } = await rowsOf(dest.db);
  expect(destRows).toEqual(sourceRows);
  expect(destRuns).toEqual(sourceRuns!.slice(0, -1));
  expect(sourceRuns!.at(-1)).toContain('"ok"');

  const again = await cli('restore.ts', [file], envFor(dest.tdb));
  expect(again.code).toBe(1);
  expect(again.stderr).toMatch(/not empty[\s\S]*not changed/);
  expect((await cli('restore.ts', [], envFor(dest.tdb))).code).toBe(2);
  expect((await cli('backup.ts', ['--out'], envFor(dest.tdb))).code).toBe(2);
});

test('restoring beside the old attachment folder keeps identical files and never overwrites a different one', async () => {
  const file = path.join(work, 'beside.jsonl.gz');
  await writeBackup(t.db, t.config.paths.attachments, file);
  const same = await target(testDbKind);
  fs.cpSync(t.config.paths.attachments, same.attachments, { recursive: true });
  expect((await restoreBackup(same.db, same.attachments, file)).files).toBe(
    Object.keys(filesOf(t.config.paths.attachments)).length,
  );
  expect(filesOf(same.attachments)).toEqual(filesOf(t.config.paths.attachments));

  const other = await target(testDbKind);
  fs.cpSync(t.config.paths.attachments, other.attachments, { recursive: true });
  const victim = path.join(other.attachments, attachmentFiles(other.attachments)[0]!);
  fs.writeFileSync(victim, "someone else's file");
  await expect(restoreBackup(other.db, other.attachments, file)).rejects.toThrow(/already exists with other content/);
  expect(fs.readFileSync(victim, 'utf8')).toBe("someone else's file");
  expect(await emptyTables(other.db)).toHaveLength((await tableShapes(other.db)).size);
});

test('an archive from before the resync passes shared one table restores, and each pass keeps its revision and cursor (and back down)', async () => {
  const lastBefore = '20261209180100_escalation_level_once';
  const old = await target(testDbKind);
  const all = await knownMigrations();
  for (const name of all.slice(0, all.indexOf(lastBefore) + 1)) await old.db.migrate.up({ ...migratorConfig(), name });
  await old
    .db('sla_resync')
    .where({ id: 1 })
    .update({ revision: 7, synced_revision: 5, pass_revision: 6, cursor: 42, updated_at: 1000 });
  await old
    .db('auto_close_resync')
    .where({ id: 1 })
    .update({ revision: 3, synced_revision: 3, pass_revision: 3, cursor: 9, updated_at: 2000 });
  const file = path.join(work, 'before-passes.jsonl.gz');
  expect((await writeBackup(old.db, old.attachments, file)).manifest.tables).toMatchObject({
    sla_resync: 1,
    auto_close_resync: 1,
  });

  const to = await target(testDbKind);
  const restored = await restoreBackup(to.db, to.attachments, file);
  expect(restored.migratedAfter).toContain('20261210100000_resync_passes');
  expect(await to.db.schema.hasTable('sla_resync')).toBe(false);
  const passes = (
    await to
      .db('resync_passes')
      .orderBy('name')
      .select('name', 'revision', 'synced_revision', 'pass_revision', 'cursor', 'updated_at')
  ).map((r: Record<string, unknown>) =>
    Object.values(r).map((v) => (typeof v === 'string' && !/\D/.test(v) ? Number(v) : v)),
  );
  expect(passes).toEqual([
    ['auto-close-resync', 3, 3, 3, 9, 2000],
    ['sla-resync', 7, 5, 6, 42, 1000],
  ]);

  await to.db.migrate.down({ ...migratorConfig(), name: '20261210100000_resync_passes' });
  expect(await to.db.schema.hasTable('resync_passes')).toBe(false);
  expect(Number((await to.db('sla_resync').first<{ cursor: number }>('cursor'))!.cursor)).toBe(42);
  expect(Number((await to.db('auto_close_resync').first<{ revision: number }>('revision'))!.revision)).toBe(3);
});
