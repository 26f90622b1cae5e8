/**
 * The Tessera a load script measures: started with the configuration of the environment after
 * applying pending migrations, and its CPU time read from /proc (shared by bench/load.ts and
 * bench/kb.ts).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** CPU time (user + system, ms) a process has used so far, from /proc (Linux); null elsewhere. */
export function cpuMsOf(pid: number | undefined): number | null {
  return pid ? cpuMsOfStat(`/proc/${pid}/stat`) : null;
}

function cpuMsOfStat(file: string): number | null {
  try {
    const fields = fs.readFileSync(file, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return null;
  }
}

/** CPU ms of a process's main thread only (Node's JavaScript thread), without V8's and libuv's helper threads. */
export function threadCpuMsOf(pid: number | undefined): number | null {
  return pid ? cpuMsOfStat(`/proc/${pid}/task/${pid}/stat`) : null;
}

/**
 * How often the JavaScript thread was taken off a CPU while it still had work (involuntary context
 * switches, from /proc/<pid>/task/<pid>/status): preemption by other runnable threads; null elsewhere.
 */
export function preemptionsOf(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    const status = fs.readFileSync(`/proc/${pid}/task/${pid}/status`, 'utf8');
    return Number(/^nonvoluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1] ?? Number.NaN);
  } catch {
    return null;
  }
}

/** The process's resident memory now and at its peak (MB), read from /proc (Linux): issue 16 wants < 300 MB under load. */
export function memoryMbOf(pid: number | undefined): { rss: number; peak: number } | null {
  if (!pid) return null;
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
    return { rss: Math.round(kb('VmRSS') / 1024), peak: Math.round(kb('VmHWM') / 1024) };
  } catch {
    return null;
  }
}

/** The code may bring database changes since the data set was seeded: they are applied first. */
export function applyMigrations(): void {
  const migrated = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/migrate.ts'], {
    cwd: path.join(__dirname, '..'),
    encoding: 'utf8',
  });
  if (migrated.status !== 0) throw new Error(`migrations failed: ${migrated.stderr || migrated.stdout}`);
}

/** Compiles the TypeScript into dist/ as `npm start` does before it starts the server. */
function build(): void {
  const built = spawnSync('npm', ['run', '--silent', 'build'], { cwd: path.join(__dirname, '..'), encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`npm run build failed: ${built.stderr || built.stdout}`);
}

/**
 * Starts Tessera on the port as the README's `npm start` does: built into dist/ and run by plain
 * Node. (Run through tsx, as it was until issue 16's step 4, the process held ~100 MB more
 * (tsx's compiled sources and maps) and measured a different server from the one users run.)
 * With `cpuProfileDir`, Node writes a CPU profile of the whole run there when the server exits
 * (`node --cpu-prof`; open it in Chrome DevTools): stop it with stopServer so the profile is
 * written before the script ends.
 */
export async function startServer(port: number, opts: { cpuProfileDir?: string } = {}): Promise<ChildProcess> {
  applyMigrations();
  build();
  const log = fs.openSync(path.join(os.tmpdir(), `tessera-bench-server-${port}.log`), 'a');
  const profiling = opts.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(opts.cpuProfileDir)}`] : [];
  const child = spawn(process.execPath, [...profiling, 'dist/src/server.js'], {
    cwd: path.join(__dirname, '..'),
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', log, log],
  });
  for (let i = 0; i < 120; i++) {
    await new Promise((r) => setTimeout(r, 250));
    if (child.exitCode !== null)
      throw new Error(`Tessera exited with ${child.exitCode}; see ${os.tmpdir()}/tessera-bench-server-${port}.log`);
    const up = await fetch(`http://127.0.0.1:${port}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) return child;
  }
  child.kill('SIGTERM');
  throw new Error('Tessera did not become ready within 30 s');
}

/** Stops a server started by startServer and waits for it to exit (its CPU profile, if any, is written then). */
export async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}
