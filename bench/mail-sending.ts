/**
 * What the "can the help desk send mail?" answer (src/mail/sending-status.ts) costs each page
 * that shows it, with an empty outbox and with many sent and some waiting mails: CPU ms per call
 * of this process (process.cpuUsage) beside the wall-clock latency, on SQLite.
 * Run: npx tsx bench/mail-sending.ts [rows]   (results in bench/RESULTS.md)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createKnex } from '../src/db/knex-factory';
import { migrateLatest } from '../src/db/migrate';
import { sendingStatus } from '../src/mail/sending-status';
import { SettingsService } from '../src/settings/settings.service';

async function measure(label: string, run: () => Promise<unknown>, times = 2000) {
  for (let i = 0; i < 50; i++) await run();
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  for (let i = 0; i < times; i++) await run();
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  const used = process.cpuUsage(cpu);
  console.log(
    `${label}: ${((used.user + used.system) / 1000 / times).toFixed(3)} CPU ms/call, ${(wallMs / times).toFixed(3)} ms/call wall`,
  );
}

async function main() {
  const rows = Number(process.argv[2] ?? 100_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-bench-mail-'));
  const db = createKnex({ client: 'sqlite', filename: path.join(dir, 'bench.sqlite') } as never, dir);
  try {
    await migrateLatest(db);
    const settings = new SettingsService(db, () => Date.now(), 'bench-secret-bench-secret-bench-secret');
    await settings.save({ 'mail.transport': 'smtp', 'mail.smtpHost': '127.0.0.1' });
    console.log(
      `load average ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
    );
    await measure('empty outbox', () => sendingStatus(db, settings));
    const now = Date.now();
    for (let i = 0; i < rows; i += 500) {
      const batch = Array.from({ length: Math.min(500, rows - i) }, (_, j) => ({
        template: 'staff_replied',
        to_address: `c${i + j}@example.com`,
        subject: 's',
        body_text: 'b',
        headers: '{}',
        email_message_id: `<${i + j}@bench>`,
        status: (i + j) % 1000 === 0 ? 'deferred' : 'sent',
        deferred_server_wide: (i + j) % 1000 === 0,
        sent_via: 'smtp',
        attempts: 1,
        next_attempt_at: now,
        created_at: now,
      }));
      await db('mail_outbox').insert(batch);
    }
    await measure(`${rows} rows, some deferred`, () => sendingStatus(db, settings));
    await db('mail_outbox').where({ status: 'deferred' }).update({ status: 'sent' });
    await measure(`${rows} rows, all sent`, () => sendingStatus(db, settings));
  } finally {
    await db.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

void main();
