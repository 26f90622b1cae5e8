import type { Knex } from 'knex';
import { clientOf } from '../../src/db/dialect';
import { tesseraTables } from '../../src/db/introspect';
import {
  dropTesseraSchema,
  knownMigrations,
  migrateLatest,
  migrationsTable,
  migratorConfig,
  pendingMigrations,
} from '../../src/db/migrate';
import { testDbKind, useEmptyDatabase } from '../helpers/test-db';

let db: Knex;
useEmptyDatabase(async (created) => {
  db = created;
});

const coreTables = [
  'settings',
  'staff_users',
  'sessions',
  'rate_limits',
  'statuses',
  'priorities',
  'categories',
  'staff_categories',
  'customers',
  'tickets',
  'messages',
  'attachments',
  'ticket_events',
  'custom_fields',
  'custom_field_categories',
  'custom_field_values',
  'canned_responses',
  'mail_outbox',
  'bans',
];

async function indexesOf(table: string): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  const client = clientOf(db);
  if (client === 'sqlite') {
    const list = (await db.raw(`PRAGMA index_list(${table})`)) as Array<{ name: string }>;
    for (const { name } of list) {
      const cols = (await db.raw(`PRAGMA index_info(${name})`)) as Array<{ name: string }>;
      out.set(
        name,
        cols.map((c) => c.name),
      );
    }
  } else if (client === 'mysql') {
    const [rows] = (await db.raw(`SHOW INDEX FROM \`${table}\``)) as [
      Array<{ Key_name: string; Column_name: string; Seq_in_index: number }>,
    ];
    for (const r of rows.sort((a, b) => a.Seq_in_index - b.Seq_in_index))
      out.set(r.Key_name, [...(out.get(r.Key_name) ?? []), r.Column_name]);
  } else {
    const res = (await db.raw(
      `select i.relname as name, a.attname as col, array_position(ix.indkey::int2[], a.attnum) as pos
       from pg_index ix join pg_class t on t.oid = ix.indrelid join pg_class i on i.oid = ix.indexrelid
       join pg_attribute a on a.attrelid = t.oid and a.attnum = any(ix.indkey) where t.relname = ? order by name, pos`,
      [table],
    )) as { rows: Array<{ name: string; col: string }> };
    for (const r of res.rows) out.set(r.name, [...(out.get(r.name) ?? []), r.col]);
  }
  return out;
}

/** The tables in the test database, without the migration bookkeeping and SQLite's full-text index tables. */
async function tablesInDatabase(): Promise<string[]> {
  const client = db.client.config.client as string;
  let names: string[];
  if (client === 'better-sqlite3') names = await db('sqlite_master').where({ type: 'table' }).pluck('name');
  else if (client === 'mysql2')
    names = ((await db.raw('show tables')) as [Array<Record<string, string>>])[0].map((r) => Object.values(r)[0]!);
  else names = await db('pg_tables').where({ schemaname: 'public' }).pluck('tablename');
  return names.filter((n) => !n.startsWith(migrationsTable) && !n.startsWith('sqlite_') && !/_fts($|_)/.test(n)).sort();
}

test(`migrations run up from empty on ${testDbKind} and create the core schema`, async () => {
  expect(await pendingMigrations(db)).toEqual(await knownMigrations());
  const applied = await migrateLatest(db);
  expect(applied).toEqual(await knownMigrations());
  expect(await pendingMigrations(db)).toEqual([]);
  for (const table of coreTables) expect(await db.schema.hasTable(table)).toBe(true);
  // The list the installer uses to refuse a clash is the schema the migrations make.
  expect(await tablesInDatabase()).toEqual([...tesseraTables].sort());
  // Names are stored without extension, so sources and the build agree on what ran.
  const names = await db(migrationsTable).pluck('name');
  expect(names.every((n: string) => !/\.(ts|js)$/.test(n))).toBe(true);
});

test('the ticket table has the indexes the staff list needs at a million rows', async () => {
  const columns = [...(await indexesOf('tickets')).values()].map((cols) => cols.join(','));
  for (const wanted of [
    'tracking_id',
    'updated_at',
    'status_id,updated_at',
    'category_id,status_id,updated_at',
    'owner_id,status_id,updated_at',
    'customer_id,created_at',
    'due_at',
  ]) {
    expect(columns).toContain(wanted);
  }
  const messageIdx = [...(await indexesOf('messages')).values()].map((c) => c.join(','));
  expect(messageIdx).toContain('ticket_id,id');
  const outboxIdx = [...(await indexesOf('mail_outbox')).values()].map((c) => c.join(','));
  expect(outboxIdx).toContain('status,next_attempt_at');
});

test('4-byte characters are stored intact', async () => {
  const now = Date.now();
  await db('settings').insert({
    key: 'probe.emoji',
    value: JSON.stringify('Ticket 🎫 naïve Žluťoučký кошка'),
    updated_at: now,
  });
  const row = await db('settings').where({ key: 'probe.emoji' }).first('value');
  expect(JSON.parse(row.value)).toBe('Ticket 🎫 naïve Žluťoučký кошка');
  expect(typeof (await db('settings').where({ key: 'probe.emoji' }).first('updated_at')).updated_at).toBe('number');
});

test('every migration rolls back cleanly', async () => {
  await db.migrate.rollback(migratorConfig(), true);
  for (const table of coreTables) expect(await db.schema.hasTable(table)).toBe(false);
  expect(await migrateLatest(db)).toHaveLength((await knownMigrations()).length);
});

test('the whole schema can be dropped even when the migration records are gone', async () => {
  await db(migrationsTable).del();
  await dropTesseraSchema(db);
  for (const table of [...coreTables, migrationsTable]) expect(await db.schema.hasTable(table)).toBe(false);
  expect(await migrateLatest(db)).toHaveLength((await knownMigrations()).length);
});
