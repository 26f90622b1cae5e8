/**
 * CPU time a local database server spends on one database's connections while a bench step
 * runs, read from /proc (Linux, server on this machine): PostgreSQL's backends name their
 * database in their process title; MariaDB's information_schema.PROCESSLIST gives each
 * connection's thread id (TID). Other work on the machine does not count, unlike wall time.
 */
import fs from 'node:fs';
import type { Knex } from 'knex';

const msPerTick = 10; // USER_HZ is 100 on Linux

function ticksOf(statFile: string): number | undefined {
  try {
    const stat = fs.readFileSync(statFile, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime, stime
  } catch {
    return undefined;
  }
}

/** The stat file of one thread (/proc/<tid>/stat would sum its whole process). */
function threadStat(tid: number): string {
  try {
    const tgid = /^Tgid:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${tid}/status`, 'utf8'))?.[1];
    return `/proc/${tgid}/task/${tid}/stat`;
  } catch {
    return ''; // the connection has ended
  }
}

function pidsWhere(test: (pid: string) => boolean): string[] {
  return fs
    .readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((pid) => {
      try {
        return test(pid);
      } catch {
        return false;
      }
    });
}

export type ServerCpu = { stop(): Promise<number> };

/** Starts sampling; stop() gives the server CPU milliseconds spent for `database` since the start. */
export function sampleServerCpu(kind: 'mysql' | 'postgres', database: string, admin: Knex): ServerCpu {
  const first = new Map<string, number>();
  const last = new Map<string, number>();
  const sample = async () => {
    const files =
      kind === 'postgres'
        ? pidsWhere((pid) => fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(` ${database} `)).map(
            (pid) => `/proc/${pid}/stat`,
          )
        : (
            (await admin.raw('select TID as tid from information_schema.PROCESSLIST where DB = ?', [database])) as [
              Array<{ tid: number }>,
            ]
          )[0].map((r) => threadStat(r.tid));
    for (const file of files) {
      const ticks = ticksOf(file);
      if (ticks === undefined) continue;
      // A connection seen for the first time mid-step started within it: all its time counts.
      if (!first.has(file)) first.set(file, started ? 0 : ticks);
      last.set(file, ticks);
    }
  };
  let started = false;
  let running: Promise<unknown> = sample().then(() => (started = true));
  const timer = setInterval(() => (running = running.then(sample).catch(() => undefined)), 250);
  return {
    async stop() {
      clearInterval(timer);
      await running;
      await sample();
      let ticks = 0;
      for (const [file, end] of last) ticks += end - (first.get(file) ?? 0);
      return ticks * msPerTick;
    },
  };
}
