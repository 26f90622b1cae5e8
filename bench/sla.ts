/**
 * SLA speed at a seeded help desk (issue 13 "Speed"), in-process, with the plans:
 * - the staff list filtered "breached" and sorted by SLA due time (the page and its capped
 *   count, exactly as the list route calls them), for an administrator (every category) and a
 *   staff member with ten categories;
 * - the escalation job's pass over the clocks that reach a level within one minute, minute after
 *   minute on a test clock (the full job: lease, schedule read, each clock's transaction, its
 *   mail or priority change), and the schedule read alone; the breach job's pass likewise.
 * The HTTP figures of the same list come from `bench/load.ts --scenarios staff-list-sla`.
 *
 *   npx tsx bench/sla.ts --seed            (adds SLA clocks to the seeded tickets first: bench/sla-seeding.ts)
 *   npx tsx bench/sla.ts --runs 200 --minutes 20 --json out.json
 * Uses the configuration of the environment (TESSERA_CONFIG_DIR), like bench/seed.ts.
 */
import fs from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import knex, { type Knex } from 'knex';
import pino from 'pino';
import { loadConfig } from '../src/config/load-config';
import { createKnex } from '../src/db/knex-factory';
import { createI18n } from '../src/i18n/i18n';
import { recordSlaBreaches } from '../src/jobs/sla-breaches';
import { runSlaEscalations } from '../src/jobs/sla-escalations';
import { resolveFromRoot } from '../src/paths';
import { dueUnbreachedClocks } from '../src/sla/clocks.repo';
import { dueEscalations } from '../src/sla/escalation-due.repo';
import { listAndCountTickets } from '../src/tickets/ticket-list.repo';
import type { TicketListFilter } from '../src/tickets/ticket-list-filter.repo';
import { createServices } from '../src/web/app-services';
import { cpuMs, pct, printPlans, round, timed, type Figure } from './sla-measure';
import { watchStatements } from './sla-statements';
import { sampleServerCpu } from './server-cpu';
import { seedSlaClocks } from './sla-seeding';

const { values } = parseArgs({
  options: {
    seed: { type: 'boolean', default: false },
    runs: { type: 'string', default: '200' },
    warmup: { type: 'string', default: '20' },
    minutes: { type: 'string', default: '20' },
    // Each pass covers this many minutes of work: a smaller data set's pass as busy as a million's minute.
    'pass-minutes': { type: 'string', default: '1' },
    'skip-lists': { type: 'boolean', default: false },
    // Prints the statements of the measured escalation passes, most frequent first (what a level costs).
    statements: { type: 'boolean', default: false },
    json: { type: 'string' },
    // The test clock's first minute (epoch ms; default now): runs of two builds on one database take turns over disjoint minutes.
    start: { type: 'string' },
  },
});

async function main(): Promise<void> {
  const config = loadConfig();
  const db = createKnex(config.database, resolveFromRoot(config.paths.data), { poolMax: 4 });
  let now = Date.now();
  const clock = { now: () => now };
  const services = createServices({ config, db, logger: pino({ level: 'warn' }), i18n: createI18n(), clock });
  const report: Record<string, unknown> = {
    client: config.database.client,
    loadAverageBefore: os.loadavg().map((l) => +l.toFixed(2)),
  };
  try {
    if (values.seed) {
      const t0 = Date.now();
      const seeded = await seedSlaClocks(db, {
        now,
        onProgress: (id, max) => process.stdout.write(`\rclocks up to ticket ${id} of ${max}   `),
      });
      console.log(`\nseeded SLA clocks in ${((Date.now() - t0) / 1000).toFixed(1)} s:`, seeded);
      report.seeding = { seconds: (Date.now() - t0) / 1000, ...seeded };
    }
    const count = async (q: Knex.QueryBuilder) =>
      Number(((await q.count<{ n: number }[]>({ n: '*' })) as Array<{ n: number }>)[0]!.n);
    const tickets = await count(db('tickets'));
    const openIds = ((await db('statuses').where({ is_open: true }).pluck('id')) as number[]).map(Number);
    const open = await count(db('tickets').whereIn('status_id', openIds));
    const breached = await count(db('tickets').whereIn('status_id', openIds).where('sla_due_at', '<', now));
    report.data = {
      tickets,
      open,
      breachedOpen: breached,
      runningClocks: await count(db('sla_clocks').whereNotNull('due_at')),
    };
    console.log('data:', report.data);

    const runs = Number(values.runs);
    const warmup = Number(values.warmup);
    const figures: Figure[] = [];
    const agentCategories = ((await db('categories').orderBy('id').limit(10).pluck('id')) as number[]).map(Number);
    for (const [who, categories] of values['skip-lists']
      ? []
      : ([
          ['admin', 'all'],
          ['staff, 10 categories', agentCategories],
        ] as const)) {
      const filter = (): TicketListFilter => ({
        categories: categories as number[] | 'all',
        statusIds: openIds,
        sla: { to: Date.now() },
      });
      for (const dir of ['asc', 'desc'] as const) {
        const list = () => listAndCountTickets(db, filter(), { sort: 'sla', dir, offset: 0, limit: 25 }, 1000);
        const first = await list();
        if (first.rows.length !== 25) throw new Error(`the breached list has ${first.rows.length} rows`);
        const f = await timed(`list breached, sort sla ${dir} (${who})`, runs, warmup, list);
        f.extra = { total: first.total };
        figures.push(f);
        if (dir === 'asc') await printPlans(db, f.name, list);
      }
      const sorted = () =>
        listAndCountTickets(
          db,
          { categories: categories as number[] | 'all', statusIds: openIds },
          { sort: 'sla', dir: 'asc', offset: 0, limit: 25 },
          1000,
        );
      figures.push(await timed(`list open, sort sla asc (${who})`, runs, warmup, sorted));
      await printPlans(db, `list open, sort sla asc (${who})`, sorted);
    }

    // The jobs, minute after minute on the test clock from now on, as the timer runs them. What
    // fell due since the seeding is done first (not measured): each measured pass is one minute's work.
    const start = values.start ? Number(values.start) : Date.now();
    now = start;
    let caughtUp = 0;
    for (let n = -1; n !== 0; )
      caughtUp += n =
        (await runSlaEscalations({ ...services, logger: services.logger }, { holder: 'bench' })) +
        (await recordSlaBreaches({ db, clock }));
    report.caughtUpBeforeMeasuring = caughtUp;
    await printPlans(db, 'escalation schedule read (one minute)', () => dueEscalations(db, now + 60_000, 200));
    await printPlans(db, 'breach job read', () => dueUnbreachedClocks(db, now + 60_000, 200));
    const statements = values.statements ? watchStatements(db) : undefined;
    // The database server's CPU on this database's connections during each pass (MariaDB, PostgreSQL on this machine),
    // read through a connection to no database, so the sampling does not count itself.
    const serverKind =
      config.database.client === 'mysql' || config.database.client === 'postgres' ? config.database.client : undefined;
    const admin = serverKind
      ? knex({
          client: serverKind === 'mysql' ? 'mysql2' : 'pg',
          connection: {
            host: config.database.host,
            port: config.database.port ?? undefined,
            user: config.database.user,
            password: config.database.password,
            ...(serverKind === 'postgres' ? { database: 'postgres' } : {}),
          },
          pool: { min: 0, max: 1 },
        })
      : undefined;
    const minutes = Number(values.minutes);
    const passMs = Number(values['pass-minutes']) * 60_000;
    const passes: Array<{
      minute: number;
      escalated: number;
      breached: number;
      readMs: number;
      escalationMs: number;
      escalationCpuMs: number;
      serverCpuMs: number | null;
      breachMs: number;
    }> = [];
    for (let m = 1; m <= minutes; m++) {
      now = start + m * passMs;
      let t0 = process.hrtime.bigint();
      const due = await dueEscalations(db, now, 200);
      const readMs = Number(process.hrtime.bigint() - t0) / 1e6;
      const server = serverKind && admin ? sampleServerCpu(serverKind, config.database.database, admin) : undefined;
      const cpu = cpuMs();
      t0 = process.hrtime.bigint();
      const escalated = await runSlaEscalations({ ...services, logger: services.logger }, { holder: 'bench' });
      const escalationMs = Number(process.hrtime.bigint() - t0) / 1e6;
      const escalationCpuMs = cpuMs() - cpu;
      const serverCpuMs = server ? await server.stop() : null;
      t0 = process.hrtime.bigint();
      const breachedNow = await recordSlaBreaches({ db, clock });
      const breachMs = Number(process.hrtime.bigint() - t0) / 1e6;
      passes.push({
        minute: m,
        escalated,
        breached: breachedNow,
        readMs: round(readMs),
        escalationMs: round(escalationMs),
        escalationCpuMs: round(escalationCpuMs),
        serverCpuMs,
        breachMs: round(breachMs),
      });
      if (due.length === 200) console.log(`minute ${m}: 200 or more clocks due (a backlog, not one minute's work)`);
    }
    await admin?.destroy();
    statements?.print();
    console.table(figures.map(({ extra, ...f }) => ({ ...f, ...extra })));
    console.table(passes);
    const sortedBy = (k: 'readMs' | 'escalationMs' | 'breachMs') => passes.map((p) => p[k]).sort((a, b) => a - b);
    const jobs = {
      minutes,
      levelsFiredPerMinute: round(passes.reduce((n, p) => n + p.escalated, 0) / minutes),
      breachesPerMinute: round(passes.reduce((n, p) => n + p.breached, 0) / minutes),
      scheduleReadMs: { p50: pct(sortedBy('readMs'), 50), p95: pct(sortedBy('readMs'), 95) },
      escalationPassMs: { p50: pct(sortedBy('escalationMs'), 50), p95: pct(sortedBy('escalationMs'), 95) },
      passMinutes: passMs / 60_000,
      escalationCpuMsPerPass: round(passes.reduce((n, p) => n + p.escalationCpuMs, 0) / minutes),
      escalationCpuMsPerLevel: round(
        passes.reduce((n, p) => n + p.escalationCpuMs, 0) /
          Math.max(
            1,
            passes.reduce((n, p) => n + p.escalated, 0),
          ),
      ),
      breachPassMs: { p50: pct(sortedBy('breachMs'), 50), p95: pct(sortedBy('breachMs'), 95) },
      // Sampled from /proc in 10 ms ticks: meaningful summed over the passes, not pass by pass.
      serverCpuMsPerPass: admin ? round(passes.reduce((n, p) => n + (p.serverCpuMs ?? 0), 0) / minutes) : null,
      serverCpuMsPerLevel: admin
        ? round(
            passes.reduce((n, p) => n + (p.serverCpuMs ?? 0), 0) /
              Math.max(
                1,
                passes.reduce((n, p) => n + p.escalated, 0),
              ),
          )
        : null,
    };
    console.log('jobs:', jobs);
    Object.assign(report, { figures, jobs, passes, loadAverageAfter: os.loadavg().map((l) => +l.toFixed(2)) });
    if (values.json) fs.writeFileSync(values.json, JSON.stringify(report, null, 2));
  } finally {
    await db.destroy();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
