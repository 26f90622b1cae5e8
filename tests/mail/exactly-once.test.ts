import type { Knex } from 'knex';
import { createKnex } from '../../src/db/knex-factory';
import { deliverDueMail, drainDueMail } from '../../src/jobs/mail-delivery';
import { SettingsService } from '../../src/settings/settings.service';
import { mailEnv, type MailDeps, type MailEnv } from '../helpers/mail-env';
import { sampleRequest } from '../helpers/mail-samples';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink';
import { testDbKind } from '../helpers/test-db';

let env: MailEnv;
let sink: SmtpSink;
let otherDb: Knex;
/** A second "instance": its own connection pool and settings cache on the same database. */
let other: MailDeps;

beforeAll(async () => {
  env = await mailEnv();
  sink = await startSmtpSink();
  await env.useSmtp(sink.port);
  otherDb = createKnex(env.t.config.database, env.t.config.paths.data);
  other = {
    ...env.deps,
    db: otherDb,
    settings: new SettingsService(otherDb, () => env.t.clock.now(), env.t.config.secrets.signing),
  };
});
afterAll(async () => {
  await otherDb.destroy();
  await sink.close();
  await env.close();
});
beforeEach(async () => {
  await env.t.db('mail_outbox').del();
  sink.received.splice(0);
});

async function queueMany(count: number): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < count; i++)
    ids.push((await env.queue(sampleRequest('ticket_received', { to: { address: `customer${i}@example.com` } }))).id);
  return ids;
}

async function expectEachSentOnce(ids: number[]) {
  const received = await sink.waitFor(ids.length);
  await new Promise((resolve) => setTimeout(resolve, 200)); // a duplicate would arrive now
  expect(received).toHaveLength(ids.length);
  const messageIds = received.map((m) => m.parsed.messageId);
  expect(new Set(messageIds).size).toBe(ids.length);
  const rows = await env.t
    .db('mail_outbox')
    .whereIn('id', ids)
    .select<Array<{ status: string; attempts: number; email_message_id: string }>>(
      'status',
      'attempts',
      'email_message_id',
    );
  expect(rows.every((r) => r.status === 'sent' && Number(r.attempts) === 1)).toBe(true);
  expect(new Set(rows.map((r) => r.email_message_id))).toEqual(new Set(messageIds));
}

test(`two instances delivering at the same moment send every mail exactly once (${testDbKind})`, async () => {
  const ids = await queueMany(30);
  const reports = await Promise.all([
    deliverDueMail(env.deps, { batchSize: 30 }),
    deliverDueMail(other, { batchSize: 30 }),
    deliverDueMail(env.deps, { batchSize: 30 }),
    deliverDueMail(other, { batchSize: 30 }),
  ]);
  const sentBy = reports.map((r) => r.outcomes.filter((o) => o.status === 'sent').length);
  expect(sentBy.reduce((a, b) => a + b, 0)).toBe(30);
  await expectEachSentOnce(ids);
});

test('many small batches from competing instances drain the queue without a duplicate', async () => {
  const ids = await queueMany(45);
  const summaries = await Promise.all([
    drainDueMail(env.deps, { batchSize: 4 }),
    drainDueMail(other, { batchSize: 4 }),
    drainDueMail(env.deps, { batchSize: 7 }),
    drainDueMail(other, { batchSize: 7 }),
  ]);
  const remaining = await drainDueMail(env.deps, { batchSize: 50 }); // whatever a lost race left
  expect(summaries.reduce((n, s) => n + s.sent, remaining.sent)).toBe(45);
  await expectEachSentOnce(ids);
});

test('an instance that starts while another is sending takes none of that batch', async () => {
  const ids = await queueMany(12);
  const first = deliverDueMail(env.deps, { batchSize: 12 });
  await sink.waitFor(1); // the first instance is now mid-batch
  const second = await deliverDueMail(other, { batchSize: 12 });
  expect(second.outcomes).toEqual([]);
  expect((await first).outcomes.filter((o) => o.status === 'sent')).toHaveLength(12);
  await expectEachSentOnce(ids);
});
