import type { Knex } from 'knex';

type Query = { sql: string; __knexQueryUid: string };

/**
 * Counts and times every statement sent through `db` from now on (bench/sla.ts --statements): what
 * a level costs. Wall ms per statement text, start to response (on SQLite's synchronous driver,
 * mostly the engine's CPU). `print` stops watching and prints them, most frequent and slowest first.
 */
export function watchStatements(db: Knex): { print(): void } {
  const statements = new Map<string, number>();
  const statementMs = new Map<string, number>();
  const started = new Map<string, bigint>();
  const countStatement = (q: Query) => {
    statements.set(q.sql, (statements.get(q.sql) ?? 0) + 1);
    started.set(q.__knexQueryUid, process.hrtime.bigint());
  };
  const timeStatement = (_r: unknown, q: Query) => {
    const t0 = started.get(q.__knexQueryUid);
    if (t0 === undefined) return;
    started.delete(q.__knexQueryUid);
    statementMs.set(q.sql, (statementMs.get(q.sql) ?? 0) + Number(process.hrtime.bigint() - t0) / 1e6);
  };
  db.on('query', countStatement).on('query-response', timeStatement);
  const short = (sql: string) => sql.replace(/\s+/g, ' ').slice(0, 160);
  return {
    print() {
      db.off('query', countStatement).off('query-response', timeStatement);
      const top = [...statements].sort((a, b) => b[1] - a[1]).slice(0, 40);
      console.log(
        `\n-- statements of the passes (${[...statements.values()].reduce((a, b) => a + b, 0)} in all), most frequent first: count, ms in all`,
      );
      for (const [sql, n] of top)
        console.log(String(n).padStart(6), (statementMs.get(sql) ?? 0).toFixed(1).padStart(8), short(sql));
      console.log('\n-- the slowest statements in all: ms, count');
      for (const [sql, ms] of [...statementMs].sort((a, b) => b[1] - a[1]).slice(0, 15))
        console.log(ms.toFixed(1).padStart(8), String(statements.get(sql)).padStart(6), short(sql));
    },
  };
}
