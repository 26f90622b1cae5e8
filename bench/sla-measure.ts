import type { Knex } from 'knex';
import { plansOf } from '../tests/helpers/query-plans';

// Timing, percentiles and query plans of bench/sla.ts.

export const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
export const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
export const round = (n: number) => +n.toFixed(2);

export type Figure = {
  name: string;
  runs: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  cpuMsPer: number;
  extra?: Record<string, unknown>;
};

export async function timed(
  name: string,
  runs: number,
  warmup: number,
  op: (i: number) => Promise<unknown>,
): Promise<Figure> {
  for (let i = 0; i < warmup; i++) await op(i);
  const times: number[] = [];
  const cpu = cpuMs();
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    await op(i);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const used = cpuMs() - cpu;
  times.sort((a, b) => a - b);
  return {
    name,
    runs,
    p50: round(pct(times, 50)),
    p95: round(pct(times, 95)),
    p99: round(pct(times, 99)),
    max: round(times.at(-1)!),
    cpuMsPer: round(used / runs),
  };
}

/** A plan that reads every ticket or clock, or sorts on disk/a temporary table, is a miss. */
const missPattern =
  /SCAN (t|tickets|sla_clocks|sla_escalation_due)\b(?! USING)|TEMP B-TREE FOR ORDER BY|\b(t|tickets|sla_clocks|sla_escalation_due) type=(ALL|index)|Using filesort|Using join buffer|Seq Scan on (tickets|sla_clocks|sla_escalation_due)/;

export async function printPlans(db: Knex, title: string, run: () => Promise<unknown>): Promise<string[]> {
  const plans = await plansOf(db, run);
  const out: string[] = [];
  for (const p of plans) {
    const miss = p.lines.some((l) => missPattern.test(l));
    out.push(
      `${miss ? 'MISS' : 'ok  '} ${p.sql.replace(/\s+/g, ' ').slice(0, 160)}`,
      ...p.lines.map((l) => `       ${l}`),
    );
  }
  console.log(`\n-- plans: ${title}\n${out.join('\n')}`);
  return out;
}
