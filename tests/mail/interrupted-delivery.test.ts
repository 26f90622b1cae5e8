import { spawn } from 'node:child_process';
import type { Knex } from 'knex';
import { interruptedAttemptNote } from '../../src/mail/delivery';
import { deliveryPolicy } from '../../src/mail/delivery-policy';
import { deliverDueMail } from '../../src/jobs/mail-delivery';
import { fromRoot } from '../../src/paths';
import { mailEnv, type MailEnv } from '../helpers/mail-env';
import { sampleRequest } from '../helpers/mail-samples';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink';
import { testDbKind } from '../helpers/test-db';

jest.setTimeout(120_000);

let env: MailEnv;
let sink: SmtpSink;
beforeAll(async () => {
  env = await mailEnv();
  sink = await startSmtpSink();
  await env.useSmtp(sink.port);
});
afterAll(async () => {
  await sink.close();
  await env.close();
});
beforeEach(async () => {
  await env.t.db('mail_outbox').del();
  sink.received.splice(0);
});

async function queueBatch(): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < deliveryPolicy.batchSize; i++)
    ids.push((await env.queue(sampleRequest('ticket_received', { to: { address: `c${i}@example.com` } }))).id);
  return ids;
}

const sentIds = (report: Awaited<ReturnType<typeof deliverDueMail>>) =>
  report.outcomes.filter((o) => o.status === 'sent').map((o) => o.id);

/**
 * After the first mail of the batch reached the server and its sender was stopped before
 * recording it: the rest of the batch goes out once its short claim ran out (seconds, not
 * minutes, on the test clock), the first mail only after its attempt's lease, with the same
 * Message-ID, marked as sent again after an interrupted attempt.
 */
async function expectRecovery(ids: number[]) {
  const [first, ...rest] = ids as [number, ...number[]];
  const firstMessageId = sink.received[0]!.parsed.messageId;
  expect(firstMessageId).toBe((await env.row(first)).email_message_id);
  expect(await env.row(first)).toMatchObject({ status: 'queued', attempt_started_at: expect.anything() });

  expect(sentIds(await deliverDueMail(env.deps))).toEqual([]);
  env.t.clock.advance(deliveryPolicy.claimLeaseMs + 1000);
  expect(deliveryPolicy.claimLeaseMs + 1000).toBeLessThan(60_000);
  expect(sentIds(await deliverDueMail(env.deps))).toEqual(rest);

  env.t.clock.advance(deliveryPolicy.attemptLeaseMs - deliveryPolicy.claimLeaseMs);
  expect(sentIds(await deliverDueMail(env.deps))).toEqual([first]);
  const received = await sink.waitFor(ids.length + 1);
  const copies = received.filter((m) => m.parsed.messageId === firstMessageId);
  expect(copies).toHaveLength(2);
  expect(new Set(received.map((m) => m.parsed.messageId)).size).toBe(ids.length);
  const row = await env.row(first);
  expect(row).toMatchObject({ status: 'sent', attempt_started_at: null, last_error: interruptedAttemptNote });
  expect(Number(row.interrupted_attempts)).toBe(1);
  for (const id of rest) expect(Number((await env.row(id)).interrupted_attempts)).toBe(0);
}

test(`a delivery process killed while the server holds its DATA reply: one deliberate copy, the rest without waiting (${testDbKind})`, async () => {
  const ids = await queueBatch();
  const release = sink.holdReplies();
  // `node --import tsx`, not the tsx command: that one runs the script in a second process.
  const child = spawn(process.execPath, ['--import', 'tsx', fromRoot('tests', 'mail', 'fixtures', 'deliver-once.ts')], {
    env: {
      ...process.env,
      TESSERA_CHILD: JSON.stringify({
        database: env.t.config.database,
        dataDir: env.t.config.paths.data,
        now: env.t.clock.now(),
      }),
    },
    stdio: 'ignore',
    cwd: fromRoot(),
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.once('exit', (_code, signal) => resolve(signal)),
  );
  try {
    await sink.waitFor(1, 90_000);
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
  } finally {
    child.kill('SIGKILL');
    release();
  }
  expect(sink.received).toHaveLength(1);
  await expectRecovery(ids);
}, 180_000); // a child process that compiles TypeScript at start: slow on a busy machine, never a measure

/** The database answers every query with an error while `down` is set, as in an outage. */
function blippable(db: Knex): { db: Knex; setDown(down: boolean): void } {
  let down = false;
  const proxy = new Proxy(db, {
    apply(target, thisArg, args) {
      if (down) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:3306'), { code: 'ECONNREFUSED' });
      return Reflect.apply(target, thisArg, args) as unknown;
    },
  });
  return { db: proxy, setDown: (value) => (down = value) };
}

test('a database outage between the server accepting a mail and its record: the batch is free again within seconds', async () => {
  const ids = await queueBatch();
  const blip = blippable(env.t.db);
  const release = sink.holdReplies();
  const run = deliverDueMail({ ...env.deps, db: blip.db });
  await sink.waitFor(1);
  blip.setDown(true);
  release();
  await expect(run).rejects.toThrow(/ECONNREFUSED/);
  blip.setDown(false);
  expect(sink.received).toHaveLength(1);
  await expectRecovery(ids);
});
