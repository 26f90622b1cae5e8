import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { lmtpListenOf } from '../src/config/lmtp-address';
import { importRawMail } from '../src/mail-intake/intake.service';
import { lmtpSecretOf, lmtpUser } from '../src/mail-intake/lmtp-address';
import { startLmtpReceiver } from '../src/mail-intake/lmtp-receiver';
import { importSpool } from '../src/mail-intake/spool';
import { fromRoot } from '../src/paths';
import { cpuMs, dbServerCpuMs, type Run } from './mail-import-setup';

// The ways in through a receiver of our own: LMTP (as an MTA, or the pipe handing over) and the spool (bench/mail-import.ts).
const root = fromRoot();

/**
 * Every message handed to the LMTP receiver (in this process, on loopback) over `concurrency`
 * kept-open connections, as a mail server's LMTP client does. The client's CPU (nodemailer) is
 * counted with the receiver's: an MTA would spend it instead.
 */
export async function viaLmtp(run: Run, messages: Buffer[], concurrency: number): Promise<Record<string, number>> {
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
export async function viaPipeLmtp(run: Run, messages: Buffer[], configDir: string): Promise<Record<string, number>> {
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
export async function viaSpool(
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
