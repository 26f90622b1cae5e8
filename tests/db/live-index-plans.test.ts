/**
 * SQLite's partial "live" ticket indexes (migration 20261213120000): the capped counts of the staff
 * lists and the dashboard queues must be answered from those indexes alone (COVERING INDEX
 * tickets_live_…), not by reading each ticket row to see merged_into_id. SQLite's plan says
 * "USING INDEX" there, not "COVERING INDEX": it still opens the table, but with a DeferredSeek that
 * runs only when a column of the row is read, so the test also checks that the bytecode reads no
 * column of the tickets table. Other databases keep their full indexes: nothing to check there.
 */
import { seedTickets } from '../../bench/seeding';
import { clientOf } from '../../src/db/dialect';
import { countTickets, type TicketListFilter } from '../../src/tickets/ticket-list.repo';
import { useInstalledApp, type InstalledApp } from '../helpers/installed-app';
import { plansOf } from '../helpers/query-plans';

let app: InstalledApp;
useInstalledApp((a) => (app = a));

const sqliteOnly = process.env.TESSERA_TEST_DB ? it.skip : it;

type Opcode = { opcode: string; p1: number; p2: number };

/** The count's plan, after checking that its bytecode never reads a column of a tickets row. */
async function countPlan(f: TicketListFilter): Promise<string> {
  const sent: Array<{ sql: string; bindings: unknown[] }> = [];
  const listen = (q: { sql: string; bindings?: unknown[] }) => sent.push({ sql: q.sql, bindings: q.bindings ?? [] });
  app.db.on('query', listen);
  const plans = await plansOf(app.db, () => countTickets(app.db, f, 1000)).finally(() =>
    app.db.removeListener('query', listen),
  );
  const count = sent.find((q) => /\bcount\b/i.test(q.sql));
  expect(count).toBeDefined();
  const program = (await app.db.raw(`EXPLAIN ${count!.sql}`, count!.bindings as never)) as Opcode[];
  const { rootpage } = await app.db('sqlite_schema').where({ type: 'table', name: 'tickets' }).first('rootpage');
  const tableCursors = program.filter((o) => o.opcode === 'OpenRead' && o.p2 === rootpage).map((o) => o.p1);
  expect(program.filter((o) => o.opcode === 'Column' && tableCursors.includes(o.p1))).toEqual([]);
  return plans.find((p) => p.sql === count!.sql)!.lines.join(' | ');
}

describe('SQLite answers the lists\u2019 capped counts from the live ticket indexes', () => {
  let categories: number[];
  let openStatuses: number[];
  let agent: number;

  beforeAll(async () => {
    if (clientOf(app.db) !== 'sqlite') return;
    await seedTickets(app.db, 300);
    categories = (await app.db('categories').pluck('id')).map(Number);
    openStatuses = (await app.db('statuses').where('is_open', true).pluck('id')).map(Number);
    agent = Number((await app.db('staff_users').where('email', 'agent1@bench.example').first('id')).id);
  }, 120_000);

  sqliteOnly('open tickets of every category (an admin\u2019s list)', async () => {
    const plan = await countPlan({ categories: 'all', statusIds: openStatuses, owner: { kind: 'anyone' } });
    expect(plan).toMatch(/USING (COVERING )?INDEX tickets_live_status_updated_idx/);
  });

  sqliteOnly('open tickets of some categories', async () => {
    const plan = await countPlan({ categories, statusIds: openStatuses, owner: { kind: 'anyone' } });
    expect(plan).toMatch(/USING (COVERING )?INDEX tickets_live_category_status_updated_idx/);
  });

  sqliteOnly('one owner\u2019s open tickets', async () => {
    const plan = await countPlan({ categories, statusIds: openStatuses, owner: { kind: 'staff', id: agent } });
    expect(plan).toMatch(/USING (COVERING )?INDEX tickets_live_owner_(category_)?status_updated_idx/);
  });
});
