import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import knex, { type Knex } from 'knex';
import type { AppConfig, DatabaseConfig } from '../src/config/config.schema';
import type { Services } from '../src/web/app-services';

/** The bench's database, services and data folder (bench/mail-import.ts). */
export type Run = { services: Services; db: Knex; config: AppConfig; dataDir: string };

/** A new database of its own: SQLite in the data folder, or a MariaDB database dropped at the end. */
export async function freshDatabase(
  client: string,
  host: string,
  user: string,
  database: string | undefined,
): Promise<{ config: DatabaseConfig; drop(): Promise<void> }> {
  const base = {
    host,
    port: null,
    database: 'tessera',
    user: '',
    password: '',
    ssl: false,
    poolMax: 5,
    filename: 'bench.sqlite',
  };
  if (client === 'sqlite') return { config: { ...base, client: 'sqlite' }, drop: async () => undefined };
  const name = database ?? `tessera_bench_mail_${process.pid}`;
  const admin = knex({ client: 'mysql2', connection: { host, user, password: '' } });
  await admin.raw(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await admin.destroy();
  return {
    config: { ...base, client: 'mysql', port: 3306, user, database: name },
    drop: async () => {
      const a = knex({ client: 'mysql2', connection: { host, user, password: '' } });
      await a.raw(`DROP DATABASE IF EXISTS \`${name}\``);
      await a.destroy();
    },
  };
}

/** This process's CPU, and that of its ended child processes (Linux: /proc/self/stat). */
export function cpuMs(): { self: number; children: number } {
  const used = process.cpuUsage();
  const fields = fs.readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  const ticks = Number(fields[13]) + Number(fields[14]); // cutime + cstime, in 1/100 s
  return { self: (used.user + used.system) / 1000, children: ticks * 10 };
}

/** CPU milliseconds the local MariaDB server has used so far (all its clients), or null when it is not found. */
export function dbServerCpuMs(): number | null {
  const pid = spawnSync('pidof', ['mariadbd', 'mysqld'], { encoding: 'utf8' }).stdout.trim().split(/\s+/)[0];
  if (!pid) return null;
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, in clock ticks of 1/100 s
}
