import type { Knex } from 'knex';
import { clientOf } from '../../src/db/dialect';

export type Plan = { sql: string; lines: string[] };

/** The plan of one statement as text lines, in each database's own EXPLAIN. */
export async function explain(db: Knex, sql: string, bindings: unknown[]): Promise<string[]> {
  switch (clientOf(db)) {
    case 'sqlite':
      return (
        (await db.raw(`EXPLAIN QUERY PLAN ${sql}`, bindings as Knex.RawBinding[])) as Array<{ detail: string }>
      ).map((r) => r.detail);
    case 'mysql': {
      const [rows] = (await db.raw(`EXPLAIN ${sql}`, bindings as Knex.RawBinding[])) as [
        Array<Record<string, unknown>>,
      ];
      return rows.map(
        (r) =>
          `${String(r.select_type)} ${String(r.table)} type=${String(r.type)} key=${String(r.key)} ${String(r.Extra ?? '')}`,
      );
    }
    default: {
      const result = (await db.raw(`EXPLAIN ${sql.replace(/\$\d+/g, '?')}`, bindings as Knex.RawBinding[])) as {
        rows: Array<{ 'QUERY PLAN': string }>;
      };
      return result.rows.map((r) => r['QUERY PLAN']);
    }
  }
}

/** Every statement `run` sends, with its plan. */
export async function plansOf(db: Knex, run: () => Promise<unknown>): Promise<Plan[]> {
  const sent: Array<{ sql: string; bindings: unknown[] }> = [];
  const listen = (q: { sql: string; bindings?: unknown[] }) => sent.push({ sql: q.sql, bindings: q.bindings ?? [] });
  db.on('query', listen);
  try {
    await run();
  } finally {
    db.removeListener('query', listen);
  }
  return Promise.all(sent.map(async (q) => ({ sql: q.sql, lines: await explain(db, q.sql, q.bindings) })));
}
