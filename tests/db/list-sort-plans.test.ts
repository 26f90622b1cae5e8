/**
 * The plans of the ticket list's other sorts and filters (due date, priority, creation, tags,
 * the dashboard's due queues), over a few thousand tickets of the benchmark's shape: a broad
 * list sorted by another column reads that column's index in order instead of sorting every
 * open ticket to show 25 (see src/db/order-index.ts and docs/decisions.md).
 */
import { seedTickets } from '../../bench/seeding';
import { clientOf } from '../../src/db/dialect';
import { listTickets, type TicketListFilter } from '../../src/tickets/ticket-list.repo';
import type { SortKey } from '../../src/tickets/list-columns';
import { useInstalledApp, type InstalledApp } from '../helpers/installed-app';
import { plansOf } from '../helpers/query-plans';

let app: InstalledApp;
useInstalledApp((a) => (app = a));
let categories: number[];
let openStatuses: number[];

beforeAll(async () => {
  await seedTickets(app.db, 3000);
  const now = Date.now();
  await app
    .db('tickets')
    .whereRaw('id % 7 = 0')
    .update({ due_at: app.db.raw('created_at + 86400000') });
  await app.db('tags').insert([
    { name: 'common', created_at: now },
    { name: 'rare', created_at: now },
  ]);
  const tags = Object.fromEntries(
    (await app.db('tags').select('id', 'name')).map((r: { id: number; name: string }) => [r.name, Number(r.id)]),
  );
  const ids = (await app.db('tickets').whereRaw('id % 5 = 0').pluck('id')).map(Number);
  await app.db.batchInsert(
    'ticket_tags',
    ids.map((id) => ({ ticket_id: id, tag_id: tags.common, created_at: now })),
    200,
  );
  await app.db('ticket_tags').insert({ ticket_id: ids[0], tag_id: tags.rare, created_at: now });
  if (clientOf(app.db) === 'mysql') await app.db.raw('ANALYZE TABLE tickets, ticket_tags, tags, customers');
  if (clientOf(app.db) === 'postgres') await app.db.raw('ANALYZE');
  categories = (await app.db('categories').pluck('id')).map(Number);
  openStatuses = (await app.db('statuses').where({ is_open: true }).pluck('id')).map(Number);
}, 180_000);

const listPlan = async (f: TicketListFilter, sort: SortKey, dir: 'asc' | 'desc' = 'desc') =>
  (await plansOf(app.db, () => listTickets(app.db, f, { sort, dir, offset: 0, limit: 25 }))).filter(
    (p) => /order by/i.test(p.sql) && /\btickets\b/.test(p.sql),
  )[0]!;

/** What shows that every match was sorted (or every ticket read) to make one page. */
function sortsEverything(lines: string[]): string[] {
  switch (clientOf(app.db)) {
    case 'sqlite':
      return lines.filter((l) => /TEMP B-TREE FOR ORDER BY/.test(l) || /tickets_merged_into_idx/.test(l));
    case 'mysql':
      return lines.filter((l) => /\bt type=ALL\b/.test(l) || /filesort/.test(l));
    default:
      return lines.filter((l) => /^\s*(->\s*)?SubPlan \d+/.test(l)); // PostgreSQL weighs LIMIT itself at any size
  }
}

describe('sorted lists read their order from an index', () => {
  it.each([
    ['due', 'asc'],
    ['due', 'desc'],
    ['priority', 'desc'],
    ['created', 'desc'],
  ] as const)('open tickets of ten categories by %s (%s)', async (sort, dir) => {
    for (const f of [
      { categories, statusIds: openStatuses },
      { categories: 'all' as const, statusIds: openStatuses },
      { categories, statusIds: openStatuses, tier: 1 },
    ]) {
      const plan = await listPlan(f, sort, dir);
      expect([plan.sql.slice(0, 160), sortsEverything(plan.lines)]).toEqual([plan.sql.slice(0, 160), []]);
    }
  });

  it('the due queues read a due-date index', async () => {
    const now = Date.now();
    for (const due of [{ to: now }, { from: now, to: now + 86_400_000 }]) {
      const plan = await listPlan({ categories, statusIds: openStatuses, due }, 'due', 'asc');
      expect(plan.lines.join('\n')).toMatch(clientOf(app.db) === 'postgres' ? /./ : /tickets_(status_)?due_idx/);
    }
  });

  it("a tag filter reads the tag's tickets through (tag_id, ticket_id) or probes it per ticket, never a scan of ticket_tags", async () => {
    const tagId = Number((await app.db('tags').where({ name: 'rare' }).first('id')).id);
    const plan = await listPlan({ categories, statusIds: openStatuses, tagIds: [tagId] }, 'updated');
    const lines = plan.lines.join('\n');
    if (clientOf(app.db) === 'sqlite') expect(lines).not.toMatch(/SCAN ticket_tags\b(?! USING)/);
    if (clientOf(app.db) === 'mysql') expect(lines).not.toMatch(/ticket_tags type=ALL/);
  });
});
