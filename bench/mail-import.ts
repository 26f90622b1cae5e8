/**
 * Import rate of typical e-mail through the one import function (the pipe and the mailbox
 * fetchers both call it): 10 KB messages, one in five with a 200 KB PDF attachment, every one a
 * new ticket from its own sender (acknowledgement and staff notice queued, raw mail kept).
 * Builds a fresh database of its own. Usage:
 *   npx tsx bench/mail-import.ts --client sqlite --messages 1000                 (the import function)
 *   npx tsx bench/mail-import.ts --client mysql --host 127.0.0.1 --user root --messages 1000
 *   npx tsx bench/mail-import.ts --statements [--client mysql]   (the SQL of one new-ticket mail, warmed up)
 *   npx tsx bench/mail-import.ts --via imap --messages 1000   (Dovecot on loopback, the fetch job)
 *   npx tsx bench/mail-import.ts --via pipe --messages 100    (bin/tessera-mail-pipe, one process per mail)
 *   npx tsx bench/mail-import.ts --via lmtp --messages 1000 [--concurrency 2]   (the LMTP receiver, as an MTA's connections)
 *   npx tsx bench/mail-import.ts --via pipe-lmtp --messages 100   (the pipe with --lmtp: a process per mail, handed over)
 *   npx tsx bench/mail-import.ts --via spool --messages 1000 [--concurrency 2]   (bin/tessera-mail-spool, a process per
 *       mail, `concurrency` at once as an MTA's delivery agents; then the spool job imports them)
 *       [--importers N]   (N spool imports at once, as N processes' spool jobs would; each mail still once)
 * Prints messages per second (wall clock) and CPU milliseconds per message: this process's own,
 * and with --via pipe that of the pipe processes (their start included). Dovecot's CPU is not
 * included; with --client mysql the MariaDB server's CPU over the run is printed apart
 * (dbServerCpuMsPerMessage: all its clients', so an upper bound on a shared server).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { systemClock } from '../src/clock';
import { configSchema } from '../src/config/config.schema';
import { createKnex } from '../src/db/knex-factory';
import { migrateLatest } from '../src/db/migrate';
import { withTransaction } from '../src/db/transaction';
import { createI18n } from '../src/i18n/i18n';
import { importRawMail } from '../src/mail-intake/intake.service';
import { insertMailbox } from '../src/mailboxes/mailboxes.repo';
import { createInitialData } from '../src/setup/initial-data';
import { encryptTotpSecret } from '../src/staff/totp';
import { createServices } from '../src/web/app-services';
import { startDovecot } from '../tests/helpers/dovecot';
import { benchMessage } from './mail-messages';
import { cpuMs, dbServerCpuMs, freshDatabase, type Run } from './mail-import-setup';
import { printStatementsOfOneMail, viaFunction, viaImap, viaPipe } from './mail-import-ways';
import { viaLmtp, viaPipeLmtp, viaSpool } from './mail-import-receivers';

export { benchMessage } from './mail-messages';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      client: { type: 'string', default: 'sqlite' },
      host: { type: 'string', default: '127.0.0.1' },
      user: { type: 'string', default: 'root' },
      messages: { type: 'string', default: '1000' },
      via: { type: 'string', default: 'function' },
      concurrency: { type: 'string', default: '1' },
      importers: { type: 'string', default: '1' },
      database: { type: 'string' },
      statements: { type: 'boolean', default: false },
    },
  });
  const count = Number(values.messages);
  const via = values.via!;
  if (!['function', 'imap', 'pipe', 'lmtp', 'pipe-lmtp', 'spool'].includes(via))
    throw new Error('--via function|imap|pipe|lmtp|pipe-lmtp|spool');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-bench-mail-'));
  const fresh = await freshDatabase(values.client!, values.host!, values.user!, values.database);
  const db = createKnex(fresh.config, dataDir);
  const dc = via === 'imap' ? await startDovecot() : null;
  try {
    await migrateLatest(db);
    const secrets = { session: 's'.repeat(40), signing: 'k'.repeat(40) };
    const basics = {
      name: 'Bench',
      url: 'http://localhost',
      email: 'help@example.com',
      timezone: 'UTC',
      language: 'en' as const,
    };
    await withTransaction(db, (trx) =>
      createInitialData(
        trx,
        { basics, admin: { name: 'Admin', email: 'admin@example.com', passwordHash: 'x' }, version: 'bench', secrets },
        Date.now(),
      ),
    );
    const local = {
      installed: true,
      server: { host: '127.0.0.1', port: 0, trustProxy: false, shutdownTimeoutMs: 1000 },
      session: { idleMinutes: 120, absoluteHours: 12 },
      database: fresh.config,
      paths: { data: dataDir, attachments: `${dataDir}/attachments` },
      secrets,
      log: { level: 'silent' },
    };
    const config = configSchema.parse(local);
    fs.writeFileSync(path.join(dataDir, 'local.json'), JSON.stringify(local));
    const services = createServices({
      config,
      db,
      logger: pino({ level: 'silent' }),
      i18n: createI18n(),
      clock: systemClock,
    });
    const run: Run = { services, db, config, dataDir };
    const messages = Array.from({ length: count }, (_, i) => benchMessage(i + 1));
    for (let i = 0; i < 20; i++)
      await importRawMail(services, benchMessage(count + 100 + i), { source: 'pipe', mailboxId: null }); // warm-up
    if (values.statements) {
      await printStatementsOfOneMail(run, benchMessage(count + 1000));
      return;
    }
    if (dc) {
      for (const raw of messages) dc.deliver(raw);
      await insertMailbox(
        db,
        {
          name: 'Bench',
          protocol: 'imap',
          host: dc.host,
          port: dc.imapPort,
          security: 'none',
          username: dc.user,
          address: null,
          folder: 'INBOX',
          afterImport: 'mark_seen',
          moveTo: null,
          categoryId: null,
          priorityId: null,
          active: true,
        },
        encryptTotpSecret(secrets.signing, dc.password),
        Date.now(),
      );
    }
    const cpu = cpuMs();
    const serverCpu = values.client === 'mysql' ? dbServerCpuMs() : null;
    const started = process.hrtime.bigint();
    const ways: Record<string, () => Promise<Record<string, number>>> = {
      imap: () => viaImap(run, messages, dc!),
      pipe: () => viaPipe(run, messages, dataDir),
      lmtp: () => viaLmtp(run, messages, Number(values.concurrency)),
      'pipe-lmtp': () => viaPipeLmtp(run, messages, dataDir),
      spool: () => viaSpool(run, messages, Number(values.concurrency), Number(values.importers)),
      function: () => viaFunction(run, messages),
    };
    const outcomes = await ways[via]!();
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const used = cpuMs();
    const serverUsed = serverCpu === null ? null : dbServerCpuMs()! - serverCpu;
    const tickets = Number((await db('tickets').count<{ n: number }[]>({ n: '*' }))[0]!.n) - 20;
    const bytes = messages.reduce((n, m) => n + m.length, 0);
    const perMessage = (ms: number) => +(ms / count).toFixed(2);
    console.log(
      JSON.stringify({
        client: values.client,
        via,
        concurrency: Number(values.concurrency),
        messages: count,
        tickets,
        outcomes,
        seconds: +seconds.toFixed(2),
        perSecond: +(count / seconds).toFixed(1),
        cpuMsPerMessage: perMessage(used.self - cpu.self),
        childCpuMsPerMessage: perMessage(used.children - cpu.children),
        ...(serverUsed === null ? {} : { dbServerCpuMsPerMessage: perMessage(serverUsed) }),
        importers: Number(values.importers),
        megabytes: +(bytes / 1024 / 1024).toFixed(1),
        loadAverage: os.loadavg().map((l) => +l.toFixed(1)),
      }),
    );
  } finally {
    await db.destroy();
    await fresh.drop();
    await dc?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
