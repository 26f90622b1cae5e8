/**
 * The query plans of the staff lists, the search and the dashboard, on the database under test,
 * over a few thousand tickets of the benchmark's shape: no full scan of the tickets table, no join buffer (block nested loop), no dependent subquery
 * run per ticket, and no sort of every match where an index gives the order. A plan that goes
 * wrong here costs seconds per page at a million tickets (see bench/RESULTS.md).
 */
import type { Knex } from 'knex';
import { seedTickets } from '../../bench/seeding';
import { clientOf } from '../../src/db/dialect';
import { recentActivity } from '../../src/tickets/activity.repo';
import { queuesFor } from '../../src/tickets/queues.service';
import {
  countTickets,
  listAndCountTickets,
  listTickets,
  type TicketListFilter,
} from '../../src/tickets/ticket-list.repo';
import { useInstalledApp, type InstalledApp } from '../helpers/installed-app';
import { plansOf as plansOfQueries, type Plan } from '../helpers/query-plans';

let app: InstalledApp;
useInstalledApp((a) => (app = a));

let categories: number[];
let openStatuses: number[];
let newStatus: number;
let agent: number;

beforeAll(async () => {
  await seedTickets(app.db, 3000);
  // What the server does by itself as a table grows: InnoDB's automatic recalculation and
  // PostgreSQL's autovacuum in the background (run here at once, so the test does not depend on
  // their timing). SQLite is tested as it runs: with no statistics at all (nothing runs ANALYZE).
  if (clientOf(app.db) === 'mysql')
    await app.db.raw('ANALYZE TABLE tickets, messages, customers, staff_users, categories, statuses, priorities');
  if (clientOf(app.db) === 'postgres') await app.db.raw('ANALYZE');
  categories = (await app.db('categories').pluck('id')).map(Number);
  const statuses = (await app.db('statuses').select('id', 'key', 'is_open')) as Array<{
    id: number;
    key: string;
    is_open: boolean | number;
  }>;
  openStatuses = statuses.filter((s) => Boolean(s.is_open)).map((s) => Number(s.id));
  newStatus = Number(statuses.find((s) => s.key === 'new')!.id);
  agent = Number((await app.db('staff_users').where('email', 'agent1@bench.example').first('id')).id);
}, 180_000);

const plansOf = (run: () => Promise<unknown>) => plansOfQueries(app.db, run);

/**
 * What must never be in a list's plan. `ordered`: the list's order must come from an index (a
 * search sorts its matches, which is fine; a plain list must not sort every open ticket).
 */
function problems(db: Knex, plans: Plan[], opts: { ordered: boolean }): string[] {
  const client = clientOf(db);
  const bad: string[] = [];
  for (const plan of plans) {
    if (!/\btickets\b/.test(plan.sql)) continue;
    const listQuery = /order by/i.test(plan.sql);
    // SQLite reads an index (…, updated_at) once per IN value and stops each read as soon as the
    // page is full, so its "temp b-tree" then sorts a page per value, not every match.
    const perValueOrder = plan.lines.some((l) =>
      /^(SEARCH|SCAN) t USING (COVERING )?INDEX tickets_\w*updated_idx\b/.test(l),
    );
    for (const line of plan.lines) {
      const wrong =
        client === 'sqlite'
          ? // The merged_into_id index is what SQLite picks when it has no statistics (every ticket has NULL there).
            /tickets_merged_into_idx \(merged_into_id=\?\)/.test(line) ||
            (listQuery && /^SCAN (t|tickets)$/.test(line)) ||
            (opts.ordered && listQuery && !perValueOrder && /TEMP B-TREE FOR ORDER BY/.test(line))
          : client === 'mysql'
            ? /\b(t|tickets) type=ALL\b/.test(line) ||
              /join buffer|nested loop/i.test(line) ||
              /^DEPENDENT/.test(line) ||
              (opts.ordered && listQuery && /filesort/.test(line))
            : // PostgreSQL at this size rightly prefers sequential scans; a subplan run per row is wrong at any size.
              /^\s*(->\s*)?SubPlan \d+/.test(line);
      if (wrong) bad.push(`${line}\n    in ${plan.sql.slice(0, 200)}`);
    }
  }
  return bad;
}

const page = { sort: 'updated' as const, dir: 'desc' as const, offset: 0, limit: 25 };
const listAndCount = (f: TicketListFilter) =>
  plansOf(() => Promise.all([listTickets(app.db, f, page), countTickets(app.db, f, 1000)]));
const words = (w: string) => ({ words: [w], trackingId: null, email: null });

describe('query plans of the staff lists', () => {
  it('default list of a staff member with ten categories: newest open tickets from an index', async () => {
    const plans = await listAndCount({ categories, statusIds: openStatuses, owner: { kind: 'anyone' } });
    expect(problems(app.db, plans, { ordered: true })).toEqual([]);
  });

  it('default list of an admin (every category): the page from an index ending in updated_at', async () => {
    const plans = await listAndCount({ categories: 'all', statusIds: openStatuses, owner: { kind: 'anyone' } });
    expect(problems(app.db, plans, { ordered: false })).toEqual([]);
    // (status_id, due_at) served the status filter as well, and then every open ticket was sorted (170 ms at a million).
    if (clientOf(app.db) === 'sqlite')
      expect(plans.find((p) => /order by/i.test(p.sql))!.lines.join(' | ')).toMatch(/tickets_status_updated_idx/);
  });

  it('filtered by status, category and owner', async () => {
    const plans = await listAndCount({
      categories,
      statusIds: [newStatus],
      categoryId: categories[2],
      owner: { kind: 'staff', id: agent },
    });
    expect(problems(app.db, plans, { ordered: true })).toEqual([]);
    // SQLite has no statistics to weigh indexes by: the one with all three columns must win.
    if (clientOf(app.db) === 'sqlite')
      for (const plan of plans.filter((p) => /owner_id/.test(p.sql)))
        expect(plan.lines.join(' | ')).toMatch(/owner_id=\? AND category_id=\? AND status_id=\?/);
  });

  it('unassigned open tickets, and one owner across every status', async () => {
    const plans = [
      ...(await listAndCount({ categories, statusIds: openStatuses, owner: { kind: 'unassigned' } })),
      ...(await listAndCount({ categories, statusIds: [], owner: { kind: 'staff', id: agent } })),
    ];
    expect(problems(app.db, plans, { ordered: false })).toEqual([]);
  });

  it('full-text search reads the matches first and fetches those tickets by key', async () => {
    const plans = [
      ...(await listAndCount({ categories, statusIds: [], search: words('firewall') })),
      ...(await listAndCount({ categories: 'all', statusIds: [], search: words('keyring') })),
      ...(await listAndCount({ categories, statusIds: openStatuses, search: words('novak') })),
    ];
    expect(problems(app.db, plans, { ordered: false })).toEqual([]);
  });

  it('a search page finds its matches once: each full-text index is read once for the page and its capped count', async () => {
    const fullText = /\bMATCH\b|@@/gi;
    for (const search of [words('firewall'), words('clear')]) {
      const plans = await plansOf(() => listAndCountTickets(app.db, { categories, statusIds: [], search }, page, 1000));
      // Subject, messages, field values, customer names: in one union or (MariaDB) side by side.
      // Twice each (the page and its count, each matching every message) was the shape to avoid.
      expect(plans.flatMap((p) => p.sql.match(fullText) ?? [])).toHaveLength(4);
      expect(problems(app.db, plans, { ordered: false })).toEqual([]);
    }
  });

  it('a search page is the same whichever way the database searches (side by side on MariaDB, one union elsewhere)', async () => {
    const searches = [
      words('firewall'),
      words('clear'),
      words('novak'),
      { words: ['keyring', 'problem'], trackingId: null, email: null },
      { words: [], trackingId: null, email: 'customer12' },
    ];
    const orders = [
      page,
      { ...page, dir: 'asc' as const },
      { ...page, sort: 'created' as const },
      { ...page, sort: 'due' as const, dir: 'asc' as const },
      { ...page, sort: 'priority' as const },
    ];
    for (const search of searches) {
      for (const order of orders) {
        const f: TicketListFilter = { categories: categories.slice(0, 7), statusIds: [], search };
        const all = (await listTickets(app.db, f, { ...order, limit: 10_000 })).map((r) => r.id);
        expect(all.length).toBeGreaterThan(0);
        for (const offset of [0, 5, 30]) {
          const { rows, total } = await listAndCountTickets(app.db, f, { ...order, offset, limit: 10 }, 20);
          expect(rows.map((r) => r.id)).toEqual(all.slice(offset, offset + 10));
          // Within the cap of 20: up to 21 ("more than 20"); past it, up to this page and one more; past the end, the capped count.
          expect(total).toBe(
            offset + 10 <= 21 || offset >= all.length ? Math.min(all.length, 21) : Math.min(all.length, offset + 11),
          );
        }
      }
    }
  });

  it('search by a customer address (or its start) and by tracking ID', async () => {
    const plans = [
      ...(await listAndCount({
        categories,
        statusIds: [],
        search: { words: [], trackingId: null, email: 'customer12@' },
      })),
      ...(await listAndCount({
        categories,
        statusIds: [],
        search: { words: [], trackingId: 'B234567892', email: null },
      })),
    ];
    expect(problems(app.db, plans, { ordered: false })).toEqual([]);
  });

  it('dashboard queues', async () => {
    const plans = await plansOf(() => queuesFor(app.db, { id: agent, isAdmin: false }, Date.now()));
    expect(plans.length).toBeGreaterThan(0);
    expect(problems(app.db, plans, { ordered: false })).toEqual([]);
  });

  it('dashboard due queues read the due dates from an index', async () => {
    const plans = (await plansOf(() => queuesFor(app.db, { id: agent, isAdmin: false }, Date.now()))).filter((p) =>
      /due_at/.test(p.sql),
    );
    expect(plans.length).toBeGreaterThan(0);
    for (const plan of plans) expect(plan.lines.join(' | ')).toMatch(/due/);
  });

  it('latest activity starts from the newest events, not from every ticket of the categories', async () => {
    const plans = (
      await plansOf(() => recentActivity(app.db, categories, { since: Date.now() - 14 * 86400_000, limit: 15 }))
    ).filter((p) => /ticket_events/.test(p.sql));
    expect(plans).toHaveLength(1);
    const first = plans[0]!.lines.find((l) => /\b(SEARCH|SCAN)\b|type=|Scan/.test(l)) ?? '';
    expect(problems(app.db, plans, { ordered: false })).toEqual([]);
    if (clientOf(app.db) !== 'postgres') expect(first).toMatch(/^(SEARCH e |SIMPLE e )/);
  });

  it('a search pages to its end past the count cap, with the count capped or exact', async () => {
    const f: TicketListFilter = { categories, statusIds: [], search: words('firewall') };
    const all = await listTickets(app.db, f, { ...page, limit: 10_000 });
    expect(all.length).toBeGreaterThan(14);
    const cap = 10;
    const seen: number[] = [];
    for (let offset = 0; offset < all.length; offset += 7) {
      const { rows, total } = await listAndCountTickets(app.db, f, { ...page, offset, limit: 7 }, cap);
      seen.push(...rows.map((r) => r.id));
      // Above the cap the list says "more than cap" and that a next page follows; on the last page it is exact.
      if (offset + 7 < all.length) expect(total).toBeGreaterThan(Math.max(cap, offset + 7));
      else expect(total).toBe(all.length);
    }
    expect(seen).toEqual(all.map((r) => r.id));
    expect((await listAndCountTickets(app.db, f, { ...page, offset: all.length + 50, limit: 7 }, cap)).total).toBe(
      cap + 1,
    );
  });

  it('sorting a broad list by tracking ID or subject reads it in the order of an index, both ways', async () => {
    for (const sort of ['tracking', 'subject'] as const) {
      for (const dir of ['asc', 'desc'] as const) {
        for (const f of [
          { categories, statusIds: openStatuses, owner: { kind: 'anyone' as const } },
          { categories: 'all' as const, statusIds: openStatuses },
        ]) {
          const plans = await plansOf(() =>
            Promise.all([listTickets(app.db, f, { ...page, sort, dir }), countTickets(app.db, f, 1000)]),
          );
          expect(problems(app.db, plans, { ordered: true })).toEqual([]);
        }
      }
    }
  });

  it('sorting by category, status, owner, tier or last replier reads each value as its own default list, from an index', async () => {
    for (const sort of ['category', 'status', 'owner', 'tier', 'replier'] as const) {
      for (const dir of ['asc', 'desc'] as const) {
        // Every status: more matches (3,000) than the 1,000 below which a list sorts in one query.
        const f: TicketListFilter = { categories, statusIds: [], owner: { kind: 'anyone' } };
        const plans = await plansOf(() => listAndCountTickets(app.db, f, { ...page, sort, dir }, 1000));
        expect(plans.length).toBeGreaterThan(3); // value after value, not one query
        // The customer part of the last replier sort sorts a batch of customers' tickets. At this size MariaDB sorts a
        // value's open tickets (a range over the open statuses) exactly as the default list filtered by that value does
        // ("unassigned open tickets" above); at a million it walks the last-update index (or sorts the handful a rare value
        // has; bench/RESULTS.md, "Sorting by every column"). Elsewhere every part is ordered by an index.
        if (clientOf(app.db) !== 'mysql')
          expect(
            problems(
              app.db,
              plans.filter((p) => !/customer_id/.test(p.sql)),
              { ordered: true },
            ),
          ).toEqual([]);
        expect(problems(app.db, plans, { ordered: false })).toEqual([]);
        // A page further on skips whole values by a capped count.
        expect(
          problems(
            app.db,
            await plansOf(() => listAndCountTickets(app.db, f, { ...page, sort, dir, offset: 300 }, 1000)),
            { ordered: false },
          ),
        ).toEqual([]);
      }
    }
  });

  it('a list matching every ticket is read from an index on MariaDB whichever way its sampled row count falls', async () => {
    // Such a filter makes an index range and a full scan a near tie, decided by InnoDB's estimate
    // of the table's rows (a sample of its pages): one nullable column more per row moved it from
    // just above the real count to just below, and the count and the page turned to full scans.
    if (clientOf(app.db) !== 'mysql') return;
    const n = Number((await app.db('tickets').count<{ n: number }[]>({ n: '*' }))[0]!.n);
    const f: TicketListFilter = { categories, statusIds: [], owner: { kind: 'anyone' } };
    try {
      for (const estimate of [Math.floor(n * 0.99), Math.ceil(n * 1.01)]) {
        await app.db.raw(
          'update mysql.innodb_table_stats set n_rows = ? where database_name = database() and table_name = ?',
          [estimate, 'tickets'],
        );
        await app.db.raw('flush tables tickets');
        const plans = [
          ...(await plansOf(() => countTickets(app.db, f, 1000))),
          ...(await plansOf(() => listAndCountTickets(app.db, f, { ...page, sort: 'tier', offset: 300 }, 1000))),
        ];
        expect([estimate, problems(app.db, plans, { ordered: false })]).toEqual([estimate, []]);
      }
    } finally {
      await app.db.raw('ANALYZE TABLE tickets');
    }
  });

  it('sorting by a name or the tier with few matches is one sorted query, not a query per value', async () => {
    for (const sort of ['category', 'status', 'owner', 'tier'] as const) {
      // New tickets: ~150 here, spread over every category, owner and status value.
      const plans = await plansOf(() =>
        listAndCountTickets(app.db, { categories, statusIds: [newStatus] }, { ...page, sort }, 1000),
      );
      expect([
        sort,
        plans.filter((p) => /from .tickets. as .t./.test(p.sql) && /order by/i.test(p.sql)).length,
      ]).toEqual([sort, 1]);
    }
  });

  it('sorting by customer reads the customers in name order a batch at a time, never every ticket', async () => {
    for (const dir of ['asc', 'desc'] as const) {
      for (const f of [
        { categories: 'all' as const, statusIds: [] },
        { categories, statusIds: openStatuses, owner: { kind: 'staff' as const, id: agent } },
      ]) {
        const plans = await plansOf(() => listAndCountTickets(app.db, f, { ...page, sort: 'customer', dir }, 1000));
        expect(problems(app.db, plans, { ordered: false })).toEqual([]);
      }
    }
  });

  it('a list read part after part (by value, by customer batch) is the same as one query sorting every match, page after page', async () => {
    const all = (await app.db('tickets').pluck('id')).map(Number);
    for (const sort of ['category', 'status', 'owner', 'tier', 'customer', 'replier'] as const) {
      for (const dir of ['asc', 'desc'] as const) {
        for (const f of [
          { categories: 'all' as const, statusIds: [] },
          { categories: categories.slice(0, 7), statusIds: openStatuses },
        ]) {
          for (const offset of [0, 20, 390, 2000]) {
            const walked = (await listTickets(app.db, f, { ...page, sort, dir, offset })).map((r) => r.id);
            const sorted = (await listTickets(app.db, { ...f, ids: all }, { ...page, sort, dir, offset })).map(
              (r) => r.id,
            );
            expect(walked).toEqual(sorted);
          }
        }
      }
    }
  });

  it('a broad filter with few matches sorted by due date reads them through its own index, not the whole due index', async () => {
    // No ticket of the seeded shape is in tier 3: walking the due index would pass every ticket (2.7 s at a million).
    const plans = await plansOf(() =>
      listAndCountTickets(
        app.db,
        { categories, statusIds: openStatuses, tier: 3 },
        { ...page, sort: 'due', dir: 'asc' },
        1000,
      ),
    );
    expect(plans.length).toBeGreaterThan(0);
    if (clientOf(app.db) !== 'postgres')
      for (const plan of plans) expect(plan.lines.join(' | ')).not.toMatch(/tickets_due_idx/);
    // Many matches (more than the cap; the test data has ~600 open tickets) keep the walk along the due index.
    const broad = await plansOf(() =>
      listAndCountTickets(app.db, { categories, statusIds: openStatuses }, { ...page, sort: 'due', dir: 'asc' }, 100),
    );
    if (clientOf(app.db) === 'sqlite')
      expect(broad.map((p) => p.lines.join(' | ')).join(' | ')).toMatch(/tickets_due_idx/);
  });

  it('the check itself catches the plans it is there for', () => {
    const lines: Record<string, string[]> = {
      sqlite: ['SEARCH t USING INDEX tickets_merged_into_idx (merged_into_id=?)', 'USE TEMP B-TREE FOR ORDER BY'],
      mysql: [
        'SIMPLE p type=ALL key=null Using where; Using join buffer (flat, BNL join)',
        'DEPENDENT SUBQUERY messages type=fulltext key=messages_body_ft Using where',
      ],
      postgres: ['        SubPlan 1', '  ->  SubPlan 2'],
    };
    const found = problems(
      app.db,
      [{ sql: 'select t.id from tickets as t order by t.updated_at desc', lines: lines[clientOf(app.db)]! }],
      { ordered: true },
    );
    expect(found.length).toBe(lines[clientOf(app.db)]!.length);
  });
});
