import os from 'node:os';
import type { Knex } from 'knex';
import { clientOf } from '../src/db/dialect';
import { sampleServerCpu } from './server-cpu';
import { percentile } from './stats';

/**
 * Times one search operation `times` times after a short warm-up, one at a time, and prints a
 * table row: p50 / p95 / p99 ms, this process's CPU ms per run (on SQLite it includes the
 * database), the MariaDB server's CPU ms per run for this database's connections, load average.
 */
export async function measureSearch(db: Knex, label: string, op: (i: number) => Promise<unknown>, times: number) {
  for (let i = 0; i < Math.min(10, times / 5); i++) await op(i);
  const server = clientOf(db) === 'mysql' ? sampleServerCpu('mysql', db.client.config.connection.database, db) : null;
  const cpu0 = process.cpuUsage();
  const latencies: number[] = [];
  for (let i = 0; i < times; i++) {
    const t0 = process.hrtime.bigint();
    await op(i);
    latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const cpu = process.cpuUsage(cpu0);
  const serverMs = server ? (await server.stop()) / times : Number.NaN;
  latencies.sort((a, b) => a - b);
  const r = (x: number) => Math.round(x * 10) / 10;
  console.log(
    `| ${label} | ${r(percentile(latencies, 50))} / ${r(percentile(latencies, 95))} / ${r(percentile(latencies, 99))} | ${r((cpu.user + cpu.system) / 1000 / times)} | ${Number.isNaN(serverMs) ? '–' : r(serverMs)} | ${os.loadavg()[0]!.toFixed(2)} | ${times} |`,
  );
}
