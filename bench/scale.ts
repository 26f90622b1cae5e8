/**
 * Ticket submissions per second with N Tessera processes behind nginx (HTTPS), on one MariaDB
 * or PostgreSQL database: the issue 15 goal is three processes >= 1.6x one on a 2-core machine.
 *
 *   npm run bench:scale -- [--db mysql|postgres] [--processes 1,3] [--requests 300] [--warmup 40]
 *                           [--concurrency 12] [--json FILE]
 *
 * Self-contained: creates a throw-away database on the local server (root / postgres, or
 * TESSERA_TEST_DB_USER / _PASSWORD), installs with `npm run setup`, runs each process count in
 * turn against the same nginx configuration the README documents, prints submissions per second,
 * latency percentiles, the load average, and CPU ms per submission of the app processes and of
 * the database server, then drops the database. Every submission is checked to land on the
 * "ticket created" page and counted in the database.
 */
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { promisify } from 'node:util';
import { createKnex } from '../src/db/knex-factory';
import { fromRoot } from '../src/paths';
import { writeSettings } from '../src/settings/settings.repo';
import { createTestDatabase, tempDir } from '../tests/helpers/test-db';
import { proxyAddress, startApp, startNginx, stopProcess, type AppProcess } from './cluster';
import { scenarios, signIn, type Context } from './scenarios';
import { cpuMsOf, preemptionsOf, threadCpuMsOf } from './server';

const { values } = parseArgs({
  options: {
    db: { type: 'string', default: 'mysql' },
    processes: { type: 'string', default: '1,3' },
    requests: { type: 'string', default: '300' },
    warmup: { type: 'string', default: '40' },
    concurrency: { type: 'string', default: '12' },
    json: { type: 'string' },
  },
});

const adminEmail = 'admin@bench.example';
const adminPassword = 'plum tractor velvet 1984 orbit';

/** CPU ms of the processes `pgrep` finds with `args` (the database server by name; nginx's workers by parent), summed. */
function cpuOfPgrep(args: string[]): number {
  let out: string[] = [];
  try {
    out = execFileSync('pgrep', args, { encoding: 'utf8' }).split('\n').filter(Boolean);
  } catch {
    // pgrep exits 1 when nothing matches
  }
  return out.reduce((total, pid) => total + (cpuMsOf(Number(pid)) ?? 0), 0);
}

async function main(): Promise<void> {
  const kind = values.db === 'postgres' ? 'postgres' : 'mysql';
  const dbServer = kind === 'mysql' ? 'mariadbd' : 'postgres';
  const dir = tempDir('tessera-bench-scale-');
  const tdb = await createTestDatabase(kind);
  const env = {
    TESSERA_CONFIG_DIR: path.join(dir, 'config'),
    TESSERA_DATA_DIR: tdb.dataDir,
    TESSERA_TRUST_PROXY: proxyAddress,
    TESSERA_LOG_LEVEL: 'warn',
  };
  const c = tdb.config;
  await promisify(execFile)(
    process.execPath,
    [
      fromRoot('node_modules', 'tsx', 'dist', 'cli.mjs'),
      fromRoot('src', 'cli', 'setup.ts'),
      '--db',
      c.client,
      '--db-host',
      c.host,
      '--db-port',
      String(c.port),
      '--db-name',
      c.database,
      '--db-user',
      c.user,
      '--db-password',
      c.password,
      '--admin-email',
      adminEmail,
      '--admin-password',
      adminPassword,
    ],
    { cwd: fromRoot(), env: { ...process.env, ...env } },
  );
  const db = createKnex(c, tdb.dataDir, { poolMax: 1 });
  // Every submission comes from one address here: the per-address hourly cap is raised, as bench:seed does.
  await writeSettings(db, { 'spam.submissionsPerHour': 10000, 'spam.minFillSeconds': 0 }, Date.now());
  const results: unknown[] = [];
  const submit = scenarios.find((s) => s.name === 'submit')!;
  const requests = Number(values.requests);
  const warmup = Number(values.warmup);
  const concurrency = Number(values.concurrency);
  console.log(
    `${os.cpus().length} CPUs, ${kind}, ${requests} submissions after ${warmup} warm-up at concurrency ${concurrency}`,
  );
  try {
    for (const n of values.processes.split(',').map(Number)) {
      const apps: AppProcess[] = [];
      let nginx: Awaited<ReturnType<typeof startNginx>>;
      try {
        for (let i = 0; i < n; i++) apps.push(await startApp(env, dir));
        nginx = await startNginx(
          dir,
          apps.map((a) => a.port),
        );
      } catch (err) {
        // No nginx (or an app that would not start): the apps already started must not outlive the bench.
        await Promise.all(apps.map((a) => stopProcess(a.child)));
        throw err;
      }
      const agent = new https.Agent({
        keepAlive: true,
        maxSockets: 64,
        ca: fs.readFileSync(path.join(dir, 'cert.pem')),
      });
      try {
        const base = new URL(`https://127.0.0.1:${nginx.port}`);
        const staff = await signIn({ base, agent }, adminEmail, adminPassword);
        const ctx: Context = { base, agent, staff, seeded: 2, fillSeconds: 0, requests, warmup };
        const ticketsBefore = Number((await db('tickets').count<{ n: number }[]>({ n: '*' }))[0]!.n);
        const load1 = Math.round(os.loadavg()[0]! * 100) / 100;
        const appCpu = () => apps.reduce((sum, a) => sum + (cpuMsOf(a.child.pid) ?? 0), 0);
        // The JavaScript thread alone (its task id is the process id): one process cannot serve faster than this thread
        // allows, while the rest (V8's helper threads, the database, nginx, this load generator) shares the other core.
        const appMainCpu = () => apps.reduce((sum, a) => sum + (threadCpuMsOf(a.child.pid) ?? 0), 0);
        const appPreemptions = () => apps.reduce((sum, a) => sum + (preemptionsOf(a.child.pid) ?? 0), 0);
        const generatorCpu = () => {
          const used = process.cpuUsage();
          return (used.user + used.system) / 1000;
        };
        const nginxCpu = () => (cpuMsOf(nginx.child.pid) ?? 0) + cpuOfPgrep(['-P', String(nginx.child.pid)]);
        // The database server is shared with whatever else runs on the machine: its figure is an upper bound.
        const dbCpu = () => cpuOfPgrep(['-x', dbServer]);
        const readings = (): [number, number, number, number, number, number] => [
          appCpu(),
          appMainCpu(),
          dbCpu(),
          nginxCpu(),
          generatorCpu(),
          appPreemptions(),
        ];
        const [app0, main0, db0, nginx0, gen0, pre0] = readings();
        const rows = await submit.run(ctx, concurrency);
        const [app1, main1, db1, nginx1, gen1, pre1] = readings();
        const created = Number((await db('tickets').count<{ n: number }[]>({ n: '*' }))[0]!.n) - ticketsBefore;
        if (created !== requests + warmup) throw new Error(`${created} tickets created, expected ${requests + warmup}`);
        // CPU per submission: the form fetch and the post together (warm-up included), as a visitor costs it.
        const per = (ms: number) => Math.round((ms / (requests + warmup)) * 10) / 10;
        const post = rows.find((r) => r.scenario === 'submit-post')!;
        const row = {
          processes: n,
          load1,
          loadAfter: Math.round(os.loadavg()[0]! * 100) / 100,
          ...post,
          appCpuMsPerSubmission: per(app1 - app0),
          appMainThreadCpuMsPerSubmission: per(main1 - main0),
          dbCpuMsPerSubmission: per(db1 - db0),
          nginxCpuMsPerSubmission: per(nginx1 - nginx0),
          generatorCpuMsPerSubmission: per(gen1 - gen0),
          // Times the app's JavaScript threads were preempted with work left, per submission (issue 15: the cost of sharing cores).
          appPreemptionsPerSubmission: per(pre1 - pre0),
        };
        results.push(row);
        console.log(
          `${n} process(es): ${post.perSecond} submissions/s, p50 ${post.p50} ms, p95 ${post.p95} ms, p99 ${post.p99} ms; CPU ms/submission: app ${row.appCpuMsPerSubmission} (JavaScript thread ${row.appMainThreadCpuMsPerSubmission}), ${dbServer} ${row.dbCpuMsPerSubmission}, nginx ${row.nginxCpuMsPerSubmission}, load generator ${row.generatorCpuMsPerSubmission}; JavaScript thread preempted ${row.appPreemptionsPerSubmission}×/submission; load ${load1} -> ${row.loadAfter}`,
        );
      } finally {
        agent.destroy();
        await nginx.stop();
        await Promise.all(apps.map((a) => stopProcess(a.child)));
      }
    }
    if (values.json)
      fs.writeFileSync(
        values.json,
        `${JSON.stringify({ at: new Date().toISOString(), cpus: os.cpus().length, kind, results }, null, 2)}\n`,
      );
  } finally {
    await db.destroy();
    await tdb.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(String((err as Error)?.stack ?? err).slice(0, 2000));
  process.exit(1);
});
