/**
 * The audit log viewer's page query, for each filter it offers, over a few thousand entries: an
 * index gives both the rows and their order (no full scan, no sort of every match), so a page
 * costs the same however long the log grows.
 */
import type { Knex } from 'knex';
import { listAuditPage, type AuditCursor, type AuditFilter } from '../../src/audit/audit-query.repo';
import { clientOf } from '../../src/db/dialect';
import { useInstalledApp, type InstalledApp } from '../helpers/installed-app';

let app: InstalledApp;
useInstalledApp((a) => (app = a));
const start = Date.parse('2026-01-01T00:00:00Z');
let staffIds: number[];

beforeAll(async () => {
  staffIds = (await app.db('staff_users').pluck('id')).map(Number);
  const rows = Array.from({ length: 6000 }, (_, i) => ({
    created_at: start + i * 60_000,
    staff_id: staffIds[i % staffIds.length],
    staff_name: 'Someone',
    action: ['settings.changed', 'template.saved', 'staff.updated', 'ban.added'][i % 4],
    target_type: 'x',
    target_id: String(i),
    details: '{}',
    ip: '127.0.0.1',
  }));
  for (let i = 0; i < rows.length; i += 500) await app.db('audit_log').insert(rows.slice(i, i + 500));
  if (clientOf(app.db) === 'mysql') await app.db.raw('ANALYZE TABLE audit_log');
  if (clientOf(app.db) === 'postgres') await app.db.raw('ANALYZE audit_log');
}, 120_000);

async function planOf(filter: AuditFilter, cursor: AuditCursor | null): Promise<string[]> {
  let captured: { sql: string; bindings: unknown[] } | undefined;
  const listen = (q: { sql: string; bindings?: unknown[] }) => {
    if (/from [`"]?audit_log/i.test(q.sql) && !captured) captured = { sql: q.sql, bindings: q.bindings ?? [] };
  };
  app.db.on('query', listen);
  try {
    await listAuditPage(app.db, filter, cursor, 50);
  } finally {
    app.db.removeListener('query', listen);
  }
  const { sql, bindings } = captured!;
  const db: Knex = app.db;
  switch (clientOf(db)) {
    case 'sqlite':
      return (
        (await db.raw(`EXPLAIN QUERY PLAN ${sql}`, bindings as Knex.RawBinding[])) as Array<{ detail: string }>
      ).map((r) => r.detail);
    case 'mysql': {
      const [rows] = (await db.raw(`EXPLAIN ${sql}`, bindings as Knex.RawBinding[])) as [
        Array<Record<string, unknown>>,
      ];
      return rows.map((r) => `type=${String(r.type)} key=${String(r.key)} ${String(r.Extra ?? '')}`);
    }
    default: {
      const result = (await db.raw(`EXPLAIN ${sql.replace(/\$\d+/g, '?')}`, bindings as Knex.RawBinding[])) as {
        rows: Array<{ 'QUERY PLAN': string }>;
      };
      return result.rows.map((r) => r['QUERY PLAN']);
    }
  }
}

const shapes: Array<[string, () => AuditFilter, AuditCursor | null]> = [
  ['everything', () => ({}), null],
  ['everything, a later page', () => ({}), { createdAt: start + 3000 * 60_000, id: 3001 }],
  ['one person', () => ({ staffId: staffIds[0]! }), null],
  ['one action', () => ({ action: 'template.saved' }), null],
  ['a date range', () => ({ from: start + 1000 * 60_000, to: start + 2000 * 60_000 }), null],
  [
    'one person in a date range, a later page',
    () => ({ staffId: staffIds[0]!, from: start, to: start + 5000 * 60_000 }),
    { createdAt: start + 4000 * 60_000, id: 4001 },
  ],
];

test.each(shapes)('%s: read through an index, in its order', async (_name, filter, cursor) => {
  const plan = (await planOf(filter(), cursor)).join('\n');
  switch (clientOf(app.db)) {
    case 'sqlite':
      expect(plan).not.toMatch(/TEMP B-TREE/);
      expect(plan).toMatch(/USING (COVERING )?INDEX|USING INTEGER PRIMARY KEY/);
      if (cursor) expect(plan).toMatch(/created_at<\?/); // starts at the cursor
      break;
    case 'mysql':
      expect(plan).not.toMatch(/type=ALL/);
      expect(plan).not.toMatch(/filesort/);
      // With a person, MySQL may prefer that person's index and skip to the cursor within it.
      if (cursor && filter().staffId === undefined) expect(plan).toMatch(/type=range/);
      break;
    default:
      expect(plan).not.toMatch(/Seq Scan on audit_log/);
      expect(plan).not.toMatch(/^\s*(->\s*)?Sort\s+\(/m); // an incremental sort of rows with the same time is fine
      if (cursor) expect(plan).toMatch(/Index Cond: .*created_at <=/);
  }
});
