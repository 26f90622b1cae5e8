/**
 * What a commit costs on the database under test, against a plain round trip: N one-row inserts
 * each committed on its own (one log flush each, innodb_flush_log_at_trx_commit=1 as installed),
 * the same N inside one transaction (one flush), and N `SELECT 1`, at concurrency 1 and 4. On a
 * throw-away database of the kind TESSERA_TEST_DB names (mysql by default); server settings are
 * read, never changed.
 *
 *   npx tsx bench/commit-cost.ts [--rows 400]
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { createKnex } from '../src/db/knex-factory';
import { createTestDatabase, type TestDbKind } from '../tests/helpers/test-db';
import { runOps } from './stats';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '400' } } });

async function main(): Promise<void> {
  const kind = (process.env.TESSERA_TEST_DB as TestDbKind | undefined) ?? 'mysql';
  const tdb = await createTestDatabase(kind);
  const db = createKnex(tdb.config, tdb.dataDir, { poolMax: 4 });
  const rows = Number(values.rows);
  try {
    if (kind === 'mysql') {
      const [settings] = (await db.raw(
        'SELECT @@innodb_flush_log_at_trx_commit AS flush, @@log_bin AS binlog, @@innodb_flush_method AS method',
      )) as [Array<Record<string, unknown>>];
      console.log('server:', JSON.stringify(settings[0]));
    }
    await db.schema.createTable('commit_probe', (t) => {
      t.increments('id');
      t.string('payload', 191).notNullable();
    });
    const payload = 'x'.repeat(150);
    const perOp = async (label: string, concurrency: number, op: (i: number) => Promise<unknown>) => {
      const start = performance.now();
      await runOps(rows, concurrency, async (i) => void (await op(i)));
      const ms = (performance.now() - start) / rows;
      console.log(`${label} c=${concurrency}: ${ms.toFixed(2)} ms each (${Math.round(1000 / ms)}/s)`);
    };
    for (const c of [1, 4]) {
      await perOp('SELECT 1 (a round trip)', c, () => db.raw('SELECT 1'));
      await perOp('insert, committed alone', c, () => db('commit_probe').insert({ payload }));
    }
    const start = performance.now();
    await db.transaction(async (trx) => {
      for (let i = 0; i < rows; i++) await trx('commit_probe').insert({ payload });
    });
    console.log(`insert, all in one transaction: ${((performance.now() - start) / rows).toFixed(2)} ms each`);
    console.log(
      `load ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
  } finally {
    await db.destroy();
    await tdb.drop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
