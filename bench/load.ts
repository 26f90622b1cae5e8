/**
 * The load script: signs in as a staff member through the real login form and measures the
 * pages of bench/scenarios.ts over HTTP on loopback, at concurrency 1 and 8 (submission 1 and 4),
 * a fixed number of requests after a warm-up, printing requests per second and p50/p95/p99.
 *
 *   npx tsx bench/load.ts --start --label sqlite-10k        (applies pending migrations, starts
 *       Tessera on port 3917 with the configuration of the environment, e.g. TESSERA_CONFIG_DIR,
 *       and stops it afterwards)
 *   npx tsx bench/load.ts --url http://127.0.0.1:3000       (a Tessera that is already running)
 *
 * Options: --requests 200 --warmup 20 --concurrency 1,8 --submit-concurrency 1,4
 * --scenarios staff-list$,dashboard,... (name prefixes; a trailing $ asks for that name only) --pid P (with --url: the server's process, for its CPU) --seeded N (seeded tickets; counted in the database when
 * its configuration is at hand) --email/--password (default: the seeded agent1) --json file
 * --cpu-prof DIR (with --start: the server runs under `node --cpu-prof`, its profile written to DIR at the end).
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config/load-config';
import { createKnex } from '../src/db/knex-factory';
import { resolveFromRoot } from '../src/paths';
import { scenarios, signIn, type Context } from './scenarios';
import { cpuMsOf, memoryMbOf, startServer, stopServer } from './server';
import { seededCount } from './shape';
import { formatTable, type Summary } from './stats';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    pid: { type: 'string' },
    start: { type: 'boolean', default: false },
    port: { type: 'string', default: '3917' },
    requests: { type: 'string', default: '200' },
    warmup: { type: 'string', default: '20' },
    concurrency: { type: 'string', default: '1,8' },
    'submit-concurrency': { type: 'string', default: '1,4' },
    scenarios: { type: 'string' },
    seeded: { type: 'string' },
    'fill-seconds': { type: 'string', default: '3' },
    email: { type: 'string', default: 'agent1@bench.example' },
    password: { type: 'string', default: 'bench staff password 2026' },
    label: { type: 'string', default: '' },
    json: { type: 'string' },
    'cpu-prof': { type: 'string' },
  },
  strict: true,
});

const numbers = (v: string) =>
  v
    .split(',')
    .map(Number)
    .filter((n) => n > 0);

/** The database of the environment's configuration, for the counts the HTTP side cannot give. */
async function withDb<T>(fn: (db: ReturnType<typeof createKnex>) => Promise<T>): Promise<T | null> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch {
    return null;
  }
  if (!config.installed) return null;
  const db = createKnex(config.database, resolveFromRoot(config.paths.data), { poolMax: 1 });
  try {
    return await fn(db);
  } finally {
    await db.destroy();
  }
}
const countRows = (table: string) =>
  withDb(async (db) => Number((await db(table).count<{ n: number }[]>({ n: '*' }))[0]!.n));

async function main(): Promise<void> {
  const server = values.start ? await startServer(Number(values.port), { cpuProfileDir: values['cpu-prof'] }) : null;
  // A server already running (--url) has its CPU read too when its process id is given (--pid).
  const serverPid = server?.pid ?? (values.pid ? Number(values.pid) : undefined);
  const base = new URL(values.url ?? `http://127.0.0.1:${values.port}`);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  try {
    const seeded = Number(values.seeded ?? (await withDb(seededCount)) ?? 10000);
    const staff = await signIn({ base, agent }, values.email, values.password);
    const ctx: Context = {
      base,
      agent,
      staff,
      seeded,
      fillSeconds: Number(values['fill-seconds']),
      requests: Number(values.requests),
      warmup: Number(values.warmup),
    };
    const wanted = values.scenarios?.split(',');
    const results: Array<Summary & { load1: number; serverCpuMs: number | null; serverRssMb: number | null }> = [];
    console.log(
      `Tessera at ${base.origin}, ${seeded} seeded tickets, ${ctx.requests} requests after ${ctx.warmup} warm-up, load ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
    for (const scenario of scenarios.filter(
      (s) => !wanted || wanted.some((w) => (w.endsWith('$') ? s.name === w.slice(0, -1) : s.name.startsWith(w))),
    )) {
      for (const c of numbers(scenario.concurrency === 'submit' ? values['submit-concurrency'] : values.concurrency)) {
        const before = scenario.concurrency === 'submit' ? await countRows('tickets') : null;
        const load1 = Math.round(os.loadavg()[0]! * 100) / 100;
        const cpuBefore = cpuMsOf(serverPid);
        const rows = await scenario.run(ctx, c);
        const cpuAfter = cpuMsOf(serverPid);
        // The server's own CPU time per operation (warm-up included): what a page costs, whatever else the machine is doing.
        const serverCpuMs =
          cpuBefore === null || cpuAfter === null
            ? null
            : Math.round(((cpuAfter - cpuBefore) / ((ctx.requests + ctx.warmup) * rows.length)) * 10) / 10;
        const memory = memoryMbOf(serverPid);
        for (const r of rows) {
          results.push({ ...r, load1, serverCpuMs, serverRssMb: memory?.rss ?? null });
          console.log(
            `  ${r.scenario} c=${c}: ${r.perSecond} req/s, p50 ${r.p50} ms, p95 ${r.p95} ms, p99 ${r.p99} ms (load ${load1}, server CPU ${serverCpuMs ?? '?'} ms/op, RSS ${memory?.rss ?? '?'} MB)`,
          );
        }
        if (before !== null) {
          const after = await countRows('tickets');
          const expected = ctx.requests + ctx.warmup;
          if (after! - before !== expected)
            throw new Error(`submission created ${after! - before} tickets, expected ${expected}`);
          console.log(`  submission checked in the database: ${after! - before} new tickets`);
        }
      }
    }
    const memory = memoryMbOf(serverPid);
    console.log(`\n${values.label || base.origin} (${seeded} tickets)\n${formatTable(results)}`);
    if (memory) console.log(`server memory: RSS ${memory.rss} MB now, ${memory.peak} MB at its peak`);
    if (values.json) {
      fs.writeFileSync(
        values.json,
        `${JSON.stringify({ label: values.label, seeded, at: new Date().toISOString(), cpus: os.cpus().length, loadAtEnd: os.loadavg(), serverMemoryMb: memory, results }, null, 2)}\n`,
      );
    }
  } finally {
    agent.destroy();
    if (server) await stopServer(server);
  }
}

main().catch((err: unknown) => {
  console.error(String((err as Error)?.stack ?? err).slice(0, 2000));
  process.exit(1);
});
