/**
 * Import rate of typical e-mail through the one import function (the pipe and the mailbox
 * fetchers both call it): 10 KB messages, one in five with a 200 KB PDF attachment, every one a
 * new ticket from its own sender (acknowledgement and staff notice queued, raw mail kept).
 * Builds a fresh database of its own. Usage:
 *   npx tsx bench/mail-import.ts --client sqlite --messages 1000                 (the import function)
 *   npx tsx bench/mail-import.ts --client mysql --host 127.0.0.1 --user root --messages 1000
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
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import knex, { type Knex } from 'knex';
import nodemailer from 'nodemailer';
import pino from 'pino';
import { systemClock } from '../src/clock';
import { configSchema, type AppConfig, type DatabaseConfig } from '../src/config/config.schema';
import { createKnex } from '../src/db/knex-factory';
import { migrateLatest } from '../src/db/migrate';
import { withTransaction } from '../src/db/transaction';
import { createI18n } from '../src/i18n/i18n';
import { importRawMail } from '../src/mail-intake/intake.service';
import { importSpool } from '../src/mail-intake/spool';
import { lmtpListenOf } from '../src/config/lmtp-address';
import { lmtpSecretOf, lmtpUser } from '../src/mail-intake/lmtp-address';
import { startLmtpReceiver } from '../src/mail-intake/lmtp-receiver';
import { createInitialData } from '../src/setup/initial-data';
import { fetchDueMailboxes } from '../src/jobs/mail-fetch';
import type { MailOrigin } from '../src/mail-intake/intake.service';
import { insertMailbox } from '../src/mailboxes/mailboxes.repo';
import { fromRoot } from '../src/paths';
import { encryptTotpSecret } from '../src/staff/totp';
import { createServices, type Services } from '../src/web/app-services';
import { startDovecot, type DovecotServer } from '../tests/helpers/dovecot';

const root = fromRoot();

const words =
  'printer invoice login password error screen network update order delivery account refund broken slow crash'.split(
    ' ',
  );

function textOf(bytes: number, seed: number): string {
  const out: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const line = Array.from({ length: 12 }, (_, j) => words[(seed + i * 7 + j * 3) % words.length]).join(' ');
    out.push(line);
    size += line.length + 2;
  }
  return out.join('\r\n');
}

/** Message i: 10 KB of text; every fifth one with a 200 KB PDF of its own content. */
export function benchMessage(i: number): Buffer {
  const head = [
    `From: Customer ${i} <customer${i}@bench.example>`,
    'To: help@example.com',
    `Subject: Question number ${i}`,
    `Message-ID: <bench-${i}-${crypto.randomBytes(6).toString('hex')}@bench.example>`,
    'MIME-Version: 1.0',
  ];
  const text = textOf(10 * 1024, i);
  if (i % 5 !== 0) return Buffer.from([...head, 'Content-Type: text/plain; charset=utf-8', '', text, ''].join('\r\n'));
  const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n'), crypto.randomBytes(200 * 1024)])
    .toString('base64')
    .replace(/.{76}/g, '$&\r\n');
  return Buffer.from(
    [
      ...head,
      'Content-Type: multipart/mixed; boundary="bench"',
      '',
      '--bench',
      'Content-Type: text/plain; charset=utf-8',
      '',
      text,
      '',
      '--bench',
      'Content-Type: application/pdf; name="report.pdf"',
      'Content-Transfer-Encoding: base64',
      'Content-Disposition: attachment; filename="report.pdf"',
      '',
      pdf,
      '--bench--',
      '',
    ].join('\r\n'),
  );
}

async function freshDatabase(
  client: string,
  host: string,
  user: string,
  _dataDir: string,
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
  const name = `tessera_bench_mail_${process.pid}`;
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

type Run = { services: Services; db: Knex; config: AppConfig; dataDir: string };

/** This process's CPU, and that of its ended child processes (Linux: /proc/self/stat). */
function cpuMs(): { self: number; children: number } {
  const used = process.cpuUsage();
  const fields = fs.readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  const ticks = Number(fields[13]) + Number(fields[14]); // cutime + cstime, in 1/100 s
  return { self: (used.user + used.system) / 1000, children: ticks * 10 };
}

/** Every message through importRawMail, one after another (as the pipe and a single fetcher do). */
async function viaFunction(run: Run, messages: Buffer[]): Promise<Record<string, number>> {
  const outcomes: Record<string, number> = {};
  for (const raw of messages) {
    const r = await importRawMail(run.services, raw, { source: 'pipe', mailboxId: null });
    outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
  }
  return outcomes;
}

/** Every message delivered to a Dovecot mailbox first, then fetched by the fetch job until all are in. */
async function viaImap(run: Run, messages: Buffer[], dc: DovecotServer): Promise<Record<string, number>> {
  const deps = {
    db: run.db,
    clock: systemClock,
    logger: run.services.logger,
    signingSecret: run.config.secrets.signing,
    importMail: (raw: Buffer, origin: MailOrigin) => importRawMail(run.services, raw, origin),
  };
  let imported = 0;
  for (let rounds = 0; imported < messages.length && rounds < 1000; rounds++) {
    await run.db('mailboxes').update({ next_fetch_at: 0 }); // due at once: the bench does not wait for the interval
    imported += (await fetchDueMailboxes(deps, { budgetMs: 600_000 })).imported;
  }
  return { imported, leftOnServer: dc.files().filter((f) => !/:2,[A-Z]*S/.test(f)).length };
}

/** Every message through bin/tessera-mail-pipe, a process each, as an MTA alias runs it. */
async function viaPipe(_run: Run, messages: Buffer[], configDir: string): Promise<Record<string, number>> {
  const outcomes: Record<string, number> = {};
  for (const raw of messages) {
    const child = spawnSync(path.join(root, 'bin', 'tessera-mail-pipe'), {
      input: raw,
      env: { ...process.env, TESSERA_CONFIG_DIR: configDir },
    });
    const key = `exit${child.status}`;
    outcomes[key] = (outcomes[key] ?? 0) + 1;
  }
  return outcomes;
}

/**
 * Every message handed to the LMTP receiver (in this process, on loopback) over `concurrency`
 * kept-open connections, as a mail server's LMTP client does. The client's CPU (nodemailer) is
 * counted with the receiver's: an MTA would spend it instead.
 */
async function viaLmtp(run: Run, messages: Buffer[], concurrency: number): Promise<Record<string, number>> {
  // A port wants the sign-in; the limits are raised to the connections asked for (the defaults
  // would answer 451 beyond 2 imports at once).
  const secret = lmtpSecretOf(run.config.secrets.signing);
  const receiver = await startLmtpReceiver(run.services, lmtpListenOf('127.0.0.1:0'), {
    secret,
    maxImports: Math.max(2, concurrency),
    maxClients: Math.max(4, concurrency),
  });
  const port = Number(receiver.address().split(':').pop());
  const outcomes: Record<string, number> = {};
  try {
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        const transport = nodemailer.createTransport({
          host: '127.0.0.1',
          port,
          lmtp: true,
          secure: false,
          ignoreTLS: true,
          pool: true,
          maxConnections: 1,
          maxMessages: Infinity,
          auth: { user: lmtpUser, pass: secret },
        });
        try {
          while (next < messages.length) {
            const raw = messages[next++]!;
            const sent = await transport.sendMail({
              envelope: { from: 'mta@example.org', to: ['help@example.com'] },
              raw,
            });
            const key = sent.response.split(' ')[2] ?? sent.response;
            outcomes[key] = (outcomes[key] ?? 0) + 1;
          }
        } finally {
          transport.close();
        }
      }),
    );
  } finally {
    await receiver.close();
  }
  return outcomes;
}

/**
 * Every message through bin/tessera-mail-pipe --lmtp, a process each, handed to the receiver in
 * this process on a Unix socket (the fast path: on a port the pipe also reads the configuration
 * for the sign-in's password).
 */
async function viaPipeLmtp(run: Run, messages: Buffer[], configDir: string): Promise<Record<string, number>> {
  const receiver = await startLmtpReceiver(run.services, { path: path.join(run.dataDir, 'lmtp.sock') });
  const outcomes: Record<string, number> = {};
  try {
    for (const raw of messages) {
      // Not spawnSync: the receiver in this process must answer meanwhile.
      const code = await new Promise<number | null>((resolve, reject) => {
        const child = spawn(path.join(root, 'bin', 'tessera-mail-pipe'), ['--lmtp', receiver.address()], {
          env: { ...process.env, TESSERA_CONFIG_DIR: configDir },
          stdio: ['pipe', 'ignore', 'ignore'],
        });
        child.once('error', reject);
        child.once('exit', (c) => resolve(c));
        child.stdin.end(raw);
      });
      outcomes[`exit${code}`] = (outcomes[`exit${code}`] ?? 0) + 1;
    }
  } finally {
    await receiver.close();
  }
  return outcomes;
}

/**
 * Every message through bin/tessera-mail-spool (a POSIX sh process per mail, `concurrency` at once
 * as an MTA's delivery agents run), then the spool imported by the job. The two phases are timed
 * apart (in production they overlap): spoolPerSecond with the sh processes' CPU as child CPU,
 * importPerSecond with this process's. perSecond is over both.
 */
/** CPU milliseconds the local MariaDB server has used so far (all its clients), or null when it is not found. */
function dbServerCpuMs(): number | null {
  const pid = spawnSync('pidof', ['mariadbd', 'mysqld'], { encoding: 'utf8' }).stdout.trim().split(/\s+/)[0];
  if (!pid) return null;
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, in clock ticks of 1/100 s
}

async function viaSpool(
  run: Run,
  messages: Buffer[],
  concurrency: number,
  importers: number,
): Promise<Record<string, number>> {
  const dir = path.join(run.dataDir, 'mail-spool');
  const outcomes: Record<string, number> = {};
  const started = process.hrtime.bigint();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < messages.length) {
        const raw = messages[next++]!;
        const code = await new Promise<number | null>((resolve, reject) => {
          const child = spawn(path.join(root, 'bin', 'tessera-mail-spool'), [dir], {
            stdio: ['pipe', 'ignore', 'ignore'],
          });
          child.once('error', reject);
          child.once('exit', (c) => resolve(c));
          child.stdin.end(raw);
        });
        outcomes[`exit${code}`] = (outcomes[`exit${code}`] ?? 0) + 1;
      }
    }),
  );
  const spooled = process.hrtime.bigint();
  const importCpu = cpuMs();
  const serverCpu = run.config.database.client === 'mysql' ? dbServerCpuMs() : null;
  const passes = await Promise.all(
    Array.from({ length: importers }, () =>
      importSpool(
        {
          importMail: (raw, origin) => importRawMail(run.services, raw, origin),
          now: Date.now,
          logger: run.services.logger,
        },
        dir,
      ),
    ),
  );
  const imported = passes.reduce((n, p) => n + p.imported, 0);
  const serverUsed = serverCpu === null ? null : dbServerCpuMs()! - serverCpu;
  const seconds = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e9;
  return {
    ...outcomes,
    imported,
    left: fs.readdirSync(path.join(dir, 'new')).length + fs.readdirSync(path.join(dir, 'cur')).length,
    spoolPerSecond: +(messages.length / (Number(spooled - started) / 1e9)).toFixed(1),
    importPerSecond: +(messages.length / seconds(spooled)).toFixed(1),
    importCpuMsPerMessage: +((cpuMs().self - importCpu.self) / messages.length).toFixed(2),
    ...(serverUsed === null ? {} : { importDbServerCpuMsPerMessage: +(serverUsed / messages.length).toFixed(2) }),
  };
}

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
    },
  });
  const count = Number(values.messages);
  const via = values.via!;
  if (!['function', 'imap', 'pipe', 'lmtp', 'pipe-lmtp', 'spool'].includes(via))
    throw new Error('--via function|imap|pipe|lmtp|pipe-lmtp|spool');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-bench-mail-'));
  const fresh = await freshDatabase(values.client!, values.host!, values.user!, dataDir);
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
