/**
 * The word search newest first that walks the newest tickets and checks them
 * (tickets/search-walk.repo.ts) against the engine's search (the old path), on the database
 * under test over a seeded set of the benchmark's shape: the same tickets in the same order, every
 * page to the end, and its plans: the tickets read backwards along the primary key as a range,
 * never every ticket sorted, the texts by ticket id.
 */
import { seedTickets } from '../../bench/seeding';
import { clientOf } from '../../src/db/dialect';
import { searchOf } from '../../src/tickets/list-query';
import { newestMatches, walkable } from '../../src/tickets/search-walk.repo';
import { listAndCountTickets, type TicketListFilter } from '../../src/tickets/ticket-list.repo';
import { useInstalledApp, type InstalledApp } from '../helpers/installed-app';
import { plansOf } from '../helpers/query-plans';

let app: InstalledApp;
useInstalledApp((a) => (app = a));

const tickets = 1500;
const everything = 1_000_000;
const newestFirst = { sort: 'created', dir: 'desc' } as const;

beforeAll(async () => {
  await seedTickets(app.db, tickets);
  // Texts where the engines cut words differently: each database's own answer must come out (folding: at the end).
  const [first, second] = (await app.db('tickets').orderBy('id', 'desc').limit(2).pluck('id')).map(Number);
  await app.db('tickets').where('id', first).update({ subject: 'RESUME of the kernel_panicky night' });
  await app
    .db('messages')
    .where('ticket_id', second)
    .update({ body: 'Uber-long ab ok Words; the www.zyxhost.com site' });
  if (clientOf(app.db) === 'mysql') await app.db.raw('ANALYZE TABLE tickets, messages, customers');
  if (clientOf(app.db) === 'postgres') await app.db.raw('ANALYZE');
}, 300_000);

const filterOf = (q: string, more: Partial<TicketListFilter> = {}): TicketListFilter => ({
  categories: 'all',
  search: searchOf(q),
  ...more,
});

/** Every match of the old path (the engine), newest first. */
async function engineIds(f: TicketListFilter): Promise<number[]> {
  const { rows } = await listAndCountTickets(app.db, f, { ...newestFirst, offset: 0, limit: everything }, everything);
  return rows.map((r) => r.id);
}

const searches = [
  'latest',
  'trying',
  'start',
  'clear',
  'firewall',
  'kernel',
  'latest trying',
  'firewall latest',
  'start clear',
  'currently trying',
  'resume',
  'panicky',
  'uber',
  'words',
  'zyxhost',
];

describe('a word search walked newest first', () => {
  it.each(searches)('finds exactly what the engine finds for %p, in the same order', async (q) => {
    const f = filterOf(q);
    const walked = await newestMatches(app.db, f, everything, Number.POSITIVE_INFINITY);
    expect(walked?.complete).toBe(true);
    expect(walked?.ids).toEqual(await engineIds(f));
  });

  it('keeps the list filters (a category and statuses) as the engine does', async () => {
    const categoryId = Number((await app.db('categories').first('id')).id);
    const statusIds = (await app.db('statuses').where('is_open', true).pluck('id')).map(Number);
    const f = filterOf('latest', { categoryId, statusIds });
    expect((await newestMatches(app.db, f, everything, Number.POSITIVE_INFINITY))?.ids).toEqual(await engineIds(f));
  });

  it('pages through every match to the end: the union is the whole result, "more than" until the last page', async () => {
    const f = filterOf('firewall');
    const all = await engineIds(f);
    expect(all.length).toBeGreaterThan(20);
    const seen: number[] = [];
    for (let offset = 0; ; offset += 10) {
      const page = await listAndCountTickets(app.db, f, { ...newestFirst, offset, limit: 10 }, 1000, true);
      seen.push(...page.rows.map((r) => r.id));
      if (page.moreThan === undefined) {
        expect(page.total).toBe(all.length);
        break;
      }
      expect(page.moreThan).toBe(offset + 10);
    }
    expect(seen).toEqual(all);
  });

  it('gives a rare word to the engine once the walk would be long', async () => {
    const f = filterOf('zyxhost');
    expect(await newestMatches(app.db, f, 26, 300)).toBeNull();
    const page = await listAndCountTickets(app.db, f, { ...newestFirst, offset: 0, limit: 25 }, 1000, true);
    expect(page.rows.map((r) => r.id)).toEqual(await engineIds(f));
    expect(page.moreThan).toBeUndefined();
  });

  it.each(['keeping no ticket', 'keeping the rarest status'])(
    'a filter %s goes to the engine after a bounded scan, with the same results',
    async (kind) => {
      const rarest = (await app
        .db('tickets')
        .select('status_id')
        .count('* as n')
        .groupBy('status_id')
        .orderBy('n')
        .first()) as { status_id: number; n: number };
      expect(Number(rarest.n)).toBeLessThan(tickets / 4);
      const f =
        kind === 'keeping no ticket'
          ? filterOf('latest', { categories: [-1] })
          : filterOf('latest', { statusIds: [Number(rarest.status_id)] });
      const ranges: string[] = [];
      const seen = (q: { sql: string }) => /order by/i.test(q.sql) && ranges.push(q.sql);
      app.db.on('query', seen);
      const walked = await newestMatches(app.db, f, 26, 512).finally(() => app.db.removeListener('query', seen));
      // 128 + 256 + 512 ids examined at most: three ranges, then the engine, however few tickets the filter keeps.
      expect(ranges.length).toBeLessThanOrEqual(3);
      const engine = await engineIds(f);
      if (kind === 'keeping no ticket') expect(walked).toBeNull();
      if (walked) expect(walked.ids).toEqual(engine.slice(0, 26));
      const page = await listAndCountTickets(app.db, f, { ...newestFirst, offset: 0, limit: 25 }, 1000, true);
      expect(page.rows.map((r) => r.id)).toEqual(engine.slice(0, 25));
    },
  );

  it('reads the tickets as a range of the primary key backwards, nothing sorted, and the texts by ticket id', async () => {
    const plans = await plansOf(app.db, () => newestMatches(app.db, filterOf('latest', { categories: [1, 2] }), 26));
    const walk = plans.filter((p) => /order by/i.test(p.sql));
    const texts = plans.filter((p) => !/order by/i.test(p.sql));
    expect(walk.length).toBeGreaterThan(0);
    for (const p of walk) {
      const plan = p.lines.join('\n');
      if (clientOf(app.db) === 'sqlite') {
        expect(plan).toMatch(/^SCAN t$|SEARCH t USING INTEGER PRIMARY KEY \(rowid[<>]/m);
        expect(plan).not.toMatch(/TEMP B-TREE/);
      } else if (clientOf(app.db) === 'mysql') {
        expect(plan).toMatch(/ t type=(range|index) key=PRIMARY/);
        expect(plan).not.toMatch(/filesort|type=ALL/);
      } else {
        expect(plan).toMatch(/Index Scan Backward using tickets_pkey on tickets t/);
        expect(plan).not.toMatch(/\bSort\b/);
      }
    }
    // custom_field_values is read by its primary key (ticket_id, field_id); the seeded set has none, and any plan suits an empty table.
    for (const p of texts.filter((t) => !/custom_field_values/.test(t.sql)))
      expect(p.lines.join('\n')).not.toMatch(/^SCAN (t|c|messages)$| type=ALL\b|Seq Scan on messages/m);
  });
});

test('a search with a narrow filter (one owner, one category) is not walked: its own index serves it', async () => {
  const page = { ...newestFirst, offset: 0, limit: 25 };
  expect(walkable(app.db, filterOf('latest'), page)).toBe(true);
  expect(walkable(app.db, filterOf('latest', { categoryId: 1 }), page)).toBe(false);
  expect(walkable(app.db, filterOf('latest', { owner: { kind: 'staff', id: 1 } }), page)).toBe(false);
  expect(walkable(app.db, filterOf('latest'), { ...page, sort: 'updated' })).toBe(false);
});

describe('texts the engines fold their own way: the walk answers only where it folds as the engine', () => {
  // FTS5's remove_diacritics and MariaDB's collation (general_ci or unicode_ci by install) fold these differently.
  const texts = ['Doğan', 'Yılmaz', 'Łódź', 'Đorđe', 'Straße', 'ёлка', 'Nguyễn', 'Ŝablono', 'Cafe\u0301', 'Résumé'];
  const queries = ['dogan', 'doğan', 'yilmaz', 'lodz', 'łódź', 'dorde', 'strase', 'strasse', 'елка', 'ёлка'];
  const moreQueries = ['nguyen', 'sablono', 'cafe', 'café', 'resume', 'firewall'];

  beforeAll(async () => {
    // Not the newest tickets: a first page can be walked before the walk meets them, later pages cannot.
    const ids = (await app.db('tickets').orderBy('id', 'desc').offset(600).limit(300).pluck('id')).map(Number);
    for (const [i, text] of texts.entries())
      await app
        .db('tickets')
        .where('id', ids[i * 30]!)
        .update({ subject: `${text} firewall` });
  });

  it.each([...queries, ...moreQueries])('%p: the walk equals the engine or leaves it the whole search', async (q) => {
    const f = filterOf(q);
    const walked = await newestMatches(app.db, f, everything, Number.POSITIVE_INFINITY);
    const engine = await engineIds(f);
    if (clientOf(app.db) === 'postgres') expect(walked?.ids).toEqual(engine);
    else expect(walked).toBeNull();
    const ascii = /^[\x00-\x7f]*$/.test(q);
    if (!ascii)
      expect(walkable(app.db, f, { ...newestFirst, offset: 0, limit: 25 })).toBe(clientOf(app.db) === 'postgres');
  });

  it.each(['firewall', 'dogan', 'lodz', 'strase', 'cafe', 'ёлка'])(
    '%p: paging to the end gives every match exactly once',
    async (q) => {
      const f = filterOf(q);
      const all = await engineIds(f);
      const seen: number[] = [];
      for (let offset = 0; offset <= all.length + 5; offset += 5) {
        const page = await listAndCountTickets(app.db, f, { ...newestFirst, offset, limit: 5 }, 1000, true);
        seen.push(...page.rows.map((r) => r.id));
        // The first page of a common word is walked before the walk meets the folded texts; later pages are not.
        if (q === 'firewall' && offset === 0) expect(page.moreThan).toBe(5);
        if (page.moreThan === undefined && offset + 5 >= page.total) break;
      }
      expect(seen).toEqual(all);
    },
  );
});
