/**
 * Times `npm run backup` and `npm run restore` work on a seeded help desk (issue 15: each under
 * 2 minutes at 100,000 tickets). Seeds a throw-away SQLite help desk, backs it up, restores the
 * archive into a fresh database of the kind asked for, and prints wall time, CPU time and peak
 * memory of each step.
 *   npx tsx bench/backup.ts --tickets 100000 [--target sqlite|mysql|postgres|mysql,postgres,...]
 * MySQL/PostgreSQL targets use the local server as the tests do (TESSERA_TEST_DB_HOST/USER/...);
 * for them it also prints the server's CPU time on the restore's connections (bench/server-cpu.ts),
 * the figure a loaded machine does not blur.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { writeBackup } from '../src/db/backup/backup';
import { restoreBackup } from '../src/db/backup/restore';
import { createKnex } from '../src/db/knex-factory';
import { migrateLatest } from '../src/db/migrate';
import { withTransaction } from '../src/db/transaction';
import { createInitialData } from '../src/setup/initial-data';
import { hashPassword } from '../src/staff/password';
import { adminConnection, createTestDatabase, tempDir, type TestDbKind } from '../tests/helpers/test-db';
import { sampleServerCpu } from './server-cpu';
import { seedTickets } from './seeding';

async function measure<T>(label: string, run: () => Promise<T>): Promise<T> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 200);
  const cpu = process.cpuUsage();
  const started = performance.now();
  try {
    return await run();
  } finally {
    clearInterval(timer);
    const used = process.cpuUsage(cpu);
    console.log(
      `${label}: ${((performance.now() - started) / 1000).toFixed(1)} s wall, ${Math.round((used.user + used.system) / 1000)} ms CPU (this process), peak RSS ${Math.round(peak / 1048576)} MB`,
    );
  }
}

/** Restores the archive into a fresh database of one kind, timing it (and the server's CPU on it). */
async function restoreInto(kind: TestDbKind, file: string): Promise<void> {
  const target = await createTestDatabase(kind);
  const to = createKnex(target.config, target.dataDir, { poolMax: 2 });
  const serverAdmin = kind === 'sqlite' ? undefined : adminConnection(kind);
  try {
    const server = kind === 'sqlite' ? undefined : sampleServerCpu(kind, target.config.database, serverAdmin!);
    await measure(`restore (${kind})`, () => restoreBackup(to, path.join(target.dataDir, 'attachments'), file));
    if (server) console.log(`  ${kind} server CPU on the restore's connections: ${await server.stop()} ms`);
  } finally {
    await serverAdmin?.destroy();
    await to.destroy();
    await target.drop();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { tickets: { type: 'string', default: '100000' }, target: { type: 'string', default: 'sqlite' } },
  });
  const source = await createTestDatabase('sqlite');
  const db = createKnex(source.config, source.dataDir, { poolMax: 1 });
  const work = tempDir('tessera-bench-backup-');
  try {
    await migrateLatest(db);
    const secrets = { session: 's'.repeat(40), signing: 'k'.repeat(40) };
    const admin = {
      name: 'Bench Admin',
      email: 'admin@bench.example',
      passwordHash: await hashPassword('bench admin password 2026'),
    };
    await withTransaction(db, (trx) =>
      createInitialData(
        trx,
        {
          basics: {
            name: 'Bench',
            url: 'http://localhost',
            email: 'help@bench.example',
            timezone: 'UTC',
            language: 'en',
          },
          admin,
          version: 'bench',
          secrets,
        },
        Date.now(),
      ),
    );
    await measure(`seed ${values.tickets} tickets (SQLite)`, () => seedTickets(db, Number(values.tickets)));
    const file = path.join(work, 'bench.jsonl.gz');
    const result = await measure('backup (SQLite)', () =>
      writeBackup(db, path.join(source.dataDir, 'attachments'), file),
    );
    const rows = Object.values(result.manifest.tables).reduce((a, b) => a + b, 0);
    console.log(
      `  archive ${(result.bytes / 1048576).toFixed(1)} MB, ${rows} rows, ${result.manifest.tables.tickets} tickets, ${result.manifest.tables.messages} messages`,
    );
    for (const kind of values.target.split(',')) await restoreInto(kind as TestDbKind, file);
  } finally {
    await db.destroy();
    await source.drop();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(String((err as Error)?.stack ?? err).slice(0, 2000));
  process.exit(1);
});
