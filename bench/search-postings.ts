/**
 * Design study for issue 16 (staff search at a million tickets): how fast a term index ordered by
 * ticket id answers a search in "newest first" order, next to the engine's search as it is, and
 * what the index costs to write. Nothing of the application changes: the index rows are built
 * here, for the measured words' prefixes only (a range read touches only its own term's keys),
 * in a scratch table: on SQLite inside the database file given (use a copy), on MariaDB in a
 * database of its own (`--scratch`), dropped at the end.
 *
 *   TESSERA_CONFIG_DIR=… TESSERA_DATA_DIR=… nice -n -10 npx tsx bench/search-postings.ts [--runs 100]
 *
 * One row per (term, ticket, part): part 0 the subject, a message's id, -1 the customer's name,
 * -2 - field id a field value. The engines match every word of a search as a word prefix, all of
 * them in the same text (one subject, one message, one field value or the customer's name), so
 * the part is what lets two words be checked "in the same text" by key.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Knex } from 'knex';
import { loadConfig } from '../src/config/load-config';
import { clientOf } from '../src/db/dialect';
import { createKnex } from '../src/db/knex-factory';
import { resolveFromRoot } from '../src/paths';
import { listAndCountTickets, type TicketListFilter } from '../src/tickets/ticket-list.repo';
import { measureSearch } from './search-timing';
import { percentile } from './stats';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '100' },
    scratch: { type: 'string', default: 'tessera_r11_search_post' },
    sample: { type: 'string', default: '2000' },
    'engine-runs': { type: 'string', default: '20' },
    keep: { type: 'boolean', default: false },
    reuse: { type: 'boolean', default: false },
    'check-only': { type: 'boolean', default: false },
    // Index only the tickets up to this id (a set still being seeded); the check against the engine then stops there too.
    upto: { type: 'string' },
  },
});
const runs = Number(args.runs);
// The engine's search of a common word takes seconds at this size under load: fewer of them.
const engineRuns = Number(args['engine-runs']);
const cap = 1000;
const upto = args.upto ? Number(args.upto) : Number.MAX_SAFE_INTEGER;
const pageSize = 50;

const common = ['latest', 'trying', 'start', 'clear'];
const vocabulary = fs
  .readFileSync(path.join(__dirname, 'terms.txt'), 'utf8')
  .split('\n')
  .map((w) => w.trim())
  .filter(Boolean);
const varied = vocabulary.filter((_, i) => i % 40 === 7).slice(0, 25);
const pairs = [
  ['latest', 'trying'],
  ['firewall', 'latest'],
  ['start', 'clear'],
  [varied[0]!, 'trying'],
];
const wanted = [...new Set([...common, 'firewall', ...varied])];

/** Words as the engines cut them: letters and digits, lower case, accents folded, at most 40 characters. */
function termsOf(text: string): Set<string> {
  const words =
    text
      .normalize('NFD')
      .replace(/\p{M}/gu, '')
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu) ?? [];
  return new Set(words.map((w) => w.slice(0, 40)));
}
const isWanted = (term: string) => wanted.some((w) => term.startsWith(w));

type Row = { term: string; ticket_id: number; part: number; category_id: number };

async function createPostings(db: Knex, table: string): Promise<void> {
  await db.schema.dropTableIfExists(table);
  if (clientOf(db) === 'sqlite') {
    // The key is the row: no rowid table beside it.
    await db.raw(
      `CREATE TABLE ${table} (term TEXT NOT NULL, ticket_id INTEGER NOT NULL, part INTEGER NOT NULL, category_id INTEGER NOT NULL, PRIMARY KEY (term, ticket_id, part)) WITHOUT ROWID`,
    );
    await db.raw(`CREATE INDEX ${table}_ticket_idx ON ${table} (ticket_id)`);
    return;
  }
  await db.schema.createTable(table, (t) => {
    t.string('term', 40).notNullable();
    t.integer('ticket_id').notNullable();
    t.integer('part').notNullable();
    t.integer('category_id').notNullable();
    t.primary(['term', 'ticket_id', 'part']);
    t.index(['ticket_id'], `${table.replace(/\W/g, '_')}_ticket_idx`);
  });
  // Terms compared byte by byte: a range of a prefix is then [prefix, prefix + U+FFFF).
  if (clientOf(db) === 'mysql')
    await db.raw(`ALTER TABLE ${table} MODIFY term VARCHAR(40) COLLATE utf8mb4_bin NOT NULL`);
  if (clientOf(db) === 'postgres') await db.raw(`ALTER TABLE ${table} ALTER COLUMN term TYPE varchar(40) COLLATE "C"`);
}

/** Walks tickets, messages and field values in id order, keeping the wanted terms' rows; counts all rows of the sample. */
async function fillPostings(db: Knex, table: string, sampleTickets: number) {
  const customers = new Map<number, string>();
  let lastCustomer = 0;
  for (;;) {
    const rows = await db('customers').where('id', '>', lastCustomer).orderBy('id').limit(20000).select('id', 'name');
    if (!rows.length) break;
    for (const r of rows) customers.set(Number(r.id), String(r.name));
    lastCustomer = Number(rows.at(-1).id);
  }
  const category = new Map<number, number>();
  const samplePerTicket = new Map<number, Set<string>>();
  const sampleParts = new Map<number, number>();
  let buffered: Row[] = [];
  let written = 0;
  const flush = async (force = false) => {
    if (buffered.length < 2000 && !force) return;
    for (let i = 0; i < buffered.length; i += 500) await db(table).insert(buffered.slice(i, i + 500));
    written += buffered.length;
    buffered = [];
  };
  const add = (ticketId: number, part: number, text: string) => {
    if (ticketId > upto) return;
    const terms = termsOf(text);
    if (ticketId <= sampleTickets) {
      const all = samplePerTicket.get(ticketId) ?? new Set<string>();
      for (const t of terms) all.add(t);
      samplePerTicket.set(ticketId, all);
      sampleParts.set(ticketId, (sampleParts.get(ticketId) ?? 0) + terms.size);
    }
    const categoryId = category.get(ticketId) ?? 0;
    for (const term of terms)
      if (isWanted(term)) buffered.push({ term, ticket_id: ticketId, part, category_id: categoryId });
  };
  let last = 0;
  for (;;) {
    const rows = await db('tickets')
      .where('id', '>', last)
      .orderBy('id')
      .limit(5000)
      .select('id', 'subject', 'category_id', 'customer_id');
    if (!rows.length) break;
    for (const r of rows) {
      category.set(Number(r.id), Number(r.category_id));
      add(Number(r.id), 0, String(r.subject));
      add(Number(r.id), -1, customers.get(Number(r.customer_id)) ?? '');
    }
    last = Number(rows.at(-1).id);
    await flush();
  }
  last = 0;
  for (;;) {
    const rows = await db('messages')
      .where('id', '>', last)
      .orderBy('id')
      .limit(5000)
      .select('id', 'ticket_id', 'body');
    if (!rows.length) break;
    for (const r of rows) add(Number(r.ticket_id), Number(r.id), String(r.body));
    last = Number(rows.at(-1).id);
    await flush();
  }
  for (const r of await db('custom_field_values').select('ticket_id', 'field_id', 'value'))
    add(Number(r.ticket_id), -2 - Number(r.field_id), String(r.value));
  await flush(true);
  const perTicket = [...samplePerTicket.values()].map((s) => s.size);
  const parts = [...sampleParts.values()];
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  return { written, termsPerTicket: mean(perTicket), rowsPerTicket: mean(parts), tickets: category.size };
}

/** The terms of the index that start with `prefix`, each found by one index seek (a loose scan), at most `max`. */
async function termsStartingWith(db: Knex, table: string, prefix: string, max = 16): Promise<string[]> {
  const found: string[] = [];
  let after = '';
  const end = `${prefix}\uffff`;
  while (found.length <= max) {
    const q = db(table).where('term', '<', end);
    if (after) q.where('term', '>', after);
    else q.where('term', '>=', prefix);
    const row = await q.min<{ t: string | null }>({ t: 'term' }).first();
    if (!row?.t) break;
    found.push(row.t);
    after = row.t;
  }
  return found;
}

/** The first `limit` tickets, newest first, with a text of each holding a term of every word (as a prefix). */
async function postingIds(
  db: Knex,
  table: string,
  words: string[],
  limit: number,
  categories?: number[],
  sameText = true,
  explain = false,
) {
  const expanded = await Promise.all(words.map((w) => termsStartingWith(db, table, w)));
  if (expanded.some((ts) => ts.length === 0 || ts.length > 16)) return null; // the engine's work
  // The rarest word drives (its rows counted up to a cap, by key); each of its terms is one range read, newest first.
  const rows = await Promise.all(
    expanded.map(async (terms) => {
      const few = db(table).whereIn('term', terms).select(db.raw('1')).limit(5000);
      const [row] = await db.from(few.as('few')).count<{ n: number }[]>({ n: '*' });
      return Number(row?.n ?? 0);
    }),
  );
  const order = words.map((_w, i) => i).sort((a, b) => rows[a]! - rows[b]!);
  const [driver, ...checked] = order;
  const reads = expanded[driver!]!.map((term) => {
    const q = db(`${table} as a`).where('a.term', term).distinct('a.ticket_id');
    if (categories) q.whereIn('a.category_id', categories);
    for (const i of checked)
      q.whereExists((e) =>
        e
          .select(db.raw('1'))
          .from(`${table} as b`)
          .whereIn('b.term', expanded[i]!)
          .whereRaw(sameText ? 'b.ticket_id = a.ticket_id and b.part = a.part' : 'b.ticket_id = a.ticket_id'),
      );
    return q.orderBy('a.ticket_id', 'desc').limit(limit);
  });
  if (explain) await printPlan(db, reads[0]!);
  const ids = new Set<number>();
  for (const rows of await Promise.all(reads))
    for (const r of rows as Array<{ ticket_id: number }>) ids.add(Number(r.ticket_id));
  return [...ids].sort((a, b) => b - a).slice(0, limit);
}

async function printPlan(db: Knex, q: Knex.QueryBuilder): Promise<void> {
  const { sql, bindings } = q.toSQL();
  const client = clientOf(db);
  const prefix = client === 'sqlite' ? 'EXPLAIN QUERY PLAN ' : client === 'mysql' ? 'EXPLAIN ' : 'EXPLAIN (COSTS OFF) ';
  const result = await db.raw(prefix + sql, bindings as Knex.RawBinding[]);
  const rows = (client === 'mysql' ? result[0] : client === 'postgres' ? result.rows : result) as object[];
  for (const r of rows) console.log(`    plan: ${JSON.stringify(r)}`);
}

/** The page's list rows by key (what the list shows beside the ids; merged tickets left out). */
async function pageRows(db: Knex, ids: number[]) {
  return db('tickets as t')
    .join('customers as c', 'c.id', 't.customer_id')
    .whereIn('t.id', ids.slice(0, pageSize + 5))
    .whereNull('t.merged_into_id')
    .select('t.id', 't.subject', 't.status_id', 't.updated_at', 'c.name');
}

const measure = (db: Knex, label: string, op: (i: number) => Promise<unknown>, times = runs) =>
  measureSearch(db, label, op, times);

/** Writes the whole index rows of a few sample tickets, one transaction per ticket, as a submission would. */
async function writeCost(db: Knex, table: string, sampleTickets: number[]) {
  await createPostings(db, `${table}_w`);
  const times: number[] = [];
  let rowsWritten = 0;
  for (const id of sampleTickets) {
    const t = await db('tickets').where({ id }).first('subject', 'category_id');
    const messages = await db('messages').where({ ticket_id: id }).select('id', 'body');
    const rows: Row[] = [];
    const push = (part: number, text: string) => {
      for (const term of termsOf(text)) rows.push({ term, ticket_id: id, part, category_id: Number(t.category_id) });
    };
    push(0, String(t.subject));
    for (const m of messages) push(Number(m.id), String(m.body));
    const t0 = process.hrtime.bigint();
    await db.transaction(async (trx) => {
      for (let i = 0; i < rows.length; i += 500) await trx(`${table}_w`).insert(rows.slice(i, i + 500));
    });
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    rowsWritten += rows.length;
  }
  await db.schema.dropTableIfExists(`${table}_w`);
  times.sort((a, b) => a - b);
  return { rowsPerTicket: rowsWritten / sampleTickets.length, p50: percentile(times, 50), p95: percentile(times, 95) };
}

/** Bytes of the scratch table (rows and keys) per row, as the database reports them. */
async function bytesPerRow(db: Knex, table: string): Promise<string> {
  const n = (await db(table).count<{ n: number }[]>({ n: '*' }))[0]!.n;
  try {
    if (clientOf(db) === 'mysql') {
      const [schema = '', name = ''] = table.split('.');
      await db.raw(`ANALYZE TABLE ${table}`);
      const [rows] = (await db.raw(
        'select data_length + index_length as b from information_schema.tables where table_schema = ? and table_name = ?',
        [schema, name],
      )) as [Array<{ b: number }>];
      return (Number(rows[0]!.b) / Number(n)).toFixed(0);
    }
    const row = (await db.raw(`select sum(pgsize) as b from dbstat where name like '${table}%'`)) as Array<{
      b: number;
    }>;
    return (Number(row[0]!.b) / Number(n)).toFixed(0);
  } catch {
    return '?';
  }
}

async function main() {
  const config = loadConfig();
  const db = createKnex(config.database, resolveFromRoot(config.paths.data), { poolMax: 8 });
  const mysql = clientOf(db) === 'mysql';
  if (mysql) await db.raw(`CREATE DATABASE IF NOT EXISTS \`${args.scratch}\``);
  const table = mysql ? `${args.scratch}.bench_postings` : 'bench_postings';
  try {
    const t0 = Date.now();
    if (!args.reuse) {
      await createPostings(db, table);
      const filled = await fillPostings(db, table, Number(args.sample));
      await db.raw(`${mysql ? 'ANALYZE TABLE' : 'ANALYZE'} ${table}`);
      console.log(
        `filled ${filled.written} rows for ${wanted.length} prefixes over ${filled.tickets} tickets in ${((Date.now() - t0) / 1000).toFixed(0)} s; sample: ${filled.termsPerTicket.toFixed(1)} distinct terms per ticket, ${filled.rowsPerTicket.toFixed(1)} (term, part) rows per ticket`,
      );
    }
    for (const w of wanted.slice(0, 6))
      console.log(`  ${w}: terms ${JSON.stringify(await termsStartingWith(db, table, w))}`);
    const filter = (words: string[]): TicketListFilter => ({
      categories: 'all',
      search: { words, trackingId: null, email: null },
    });
    const old = (words: string[], sort: 'updated' | 'created') =>
      listAndCountTickets(db, filter(words), { sort, dir: 'desc', offset: 0, limit: pageSize }, cap);
    const postings = async (words: string[]) => {
      const ids = await postingIds(db, table, words, cap + 1);
      if (!ids) throw new Error(`not served by the index: ${words.join(' ')}`);
      await pageRows(db, ids);
    };
    // Same matches: the first 1,001 of "created, newest first" from both paths.
    for (const words of [...common.map((w) => [w]), ['firewall'], ...pairs]) {
      const ids = (await postingIds(db, table, words, cap + 1))!;
      const engine = await listAndCountTickets(
        db,
        filter(words),
        { sort: 'created', dir: 'desc', offset: 0, limit: cap + 1 },
        cap,
      );
      // Under --upto, the engine's newer tickets (not indexed) are left out of the check.
      const engineIds = engine.rows.map((r) => r.id).filter((id) => id <= upto);
      const same = JSON.stringify(engineIds) === JSON.stringify(ids.slice(0, engineIds.length));
      const anywhere =
        words.length > 1 ? (await postingIds(db, table, words, cap + 1, undefined, false))!.length : ids.length;
      console.log(
        `  ${words.join(' ')}: index ${ids.length}, engine ${engineIds.length}: ${same ? 'same ids in the same order' : 'DIFFERENT'}; words anywhere in the ticket: ${anywhere}`,
      );
    }
    if (args['check-only']) return;
    for (const words of [['latest'], ['firewall', 'latest']]) {
      console.log(`  plan of ${words.join(' ')}:`);
      await postingIds(db, table, words, cap + 1, undefined, true, true);
    }
    console.log('| search | p50 / p95 / p99 ms | app CPU ms | server CPU ms | load | runs |');
    for (const w of [...common, 'firewall']) {
      await measure(db, `index "${w}"`, () => postings([w]));
      await measure(db, `engine, last updated "${w}"`, () => old([w], 'updated'), engineRuns);
      await measure(db, `engine, newest first "${w}"`, () => old([w], 'created'), engineRuns);
    }
    await measure(db, 'index, varied word', (i) => postings([varied[i % varied.length]!]));
    await measure(
      db,
      'engine, last updated, varied word',
      (i) => old([varied[i % varied.length]!], 'updated'),
      engineRuns,
    );
    for (const p of pairs) {
      await measure(db, `index "${p.join(' ')}"`, () => postings(p));
      await measure(db, `engine, last updated "${p.join(' ')}"`, () => old(p, 'updated'), engineRuns);
    }
    const categoryCount = (await db('categories').count<{ n: number }[]>({ n: '*' }))[0]!.n;
    const some = (
      await db('categories')
        .orderBy('id')
        .limit(Math.max(1, Math.floor(Number(categoryCount) / 3)))
        .pluck('id')
    ).map(Number);
    await measure(db, `index "latest", ${some.length} of ${categoryCount} categories`, async () => {
      await pageRows(db, (await postingIds(db, table, ['latest'], cap + 1, some))!);
    });
    console.log(`index size: ${await bytesPerRow(db, table)} bytes per row (rows and keys)`);
    const recent = (
      await db('tickets')
        .orderBy('id', 'desc')
        .limit(200 * 37)
        .pluck('id')
    ).map(Number);
    const sample = recent.filter((_, i) => i % 37 === 0);
    const w = await writeCost(db, table, sample);
    console.log(
      `write: ${w.rowsPerTicket.toFixed(0)} rows per ticket (subject + messages), ${w.p50.toFixed(1)} / ${w.p95.toFixed(1)} ms p50/p95 per ticket's transaction`,
    );
  } finally {
    if (!args.keep) {
      await db.schema.dropTableIfExists(table);
      if (mysql) await db.raw(`DROP DATABASE IF EXISTS \`${args.scratch}\``);
    }
    await db.destroy();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
