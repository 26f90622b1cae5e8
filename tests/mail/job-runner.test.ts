import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { startJobs } from '../../src/jobs/job-runner';
import { fromRoot } from '../../src/paths';
import { mailEnv, type MailEnv } from '../helpers/mail-env';
import { sampleRequest } from '../helpers/mail-samples';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink';
import { tempDir, testDbKind } from '../helpers/test-db';

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

test('the job runner delivers queued mail in the background and stops cleanly', async () => {
  const runner = startJobs(env.deps, { intervalMs: 50 });
  try {
    const { id } = await env.queue(sampleRequest('ticket_received'));
    await sink.waitFor(1);
    await runner.stop();
    expect(await env.row(id)).toMatchObject({ status: 'sent' });
    // Stopped: mail queued now stays queued.
    const later = await env.queue(sampleRequest('ticket_received'));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await env.row(later.id)).toMatchObject({ status: 'queued' });
  } finally {
    await runner.stop();
  }
});

test('npm run cron delivers what is due once and exits', async () => {
  await env.queue(sampleRequest('ticket_received', { to: { address: 'cron@example.com' } }));
  const db = env.t.config.database;
  const vars: Record<string, string> = {
    TESSERA_CONFIG_DIR: tempDir('tessera-cron-config-'),
    TESSERA_INSTALLED: 'true',
    TESSERA_DATA_DIR: env.t.config.paths.data,
    TESSERA_SESSION_SECRET: 's'.repeat(40),
    TESSERA_SIGNING_SECRET: 'k'.repeat(40),
    TESSERA_LOG_LEVEL: 'silent',
    TESSERA_DB_CLIENT: testDbKind,
    ...(db.client === 'sqlite'
      ? { TESSERA_DB_FILENAME: db.filename }
      : {
          TESSERA_DB_HOST: db.host,
          TESSERA_DB_PORT: String(db.port),
          TESSERA_DB_NAME: db.database,
          TESSERA_DB_USER: db.user,
          TESSERA_DB_PASSWORD: db.password,
        }),
  };
  // Asynchronously: the SMTP sink lives in this process and must keep answering. The CLI uses
  // the real clock, later than the test clock's "now" at which the mail was queued, so it is due.
  const run = await promisify(execFile)(path.join(fromRoot('node_modules', '.bin'), 'tsx'), ['src/cli/cron.ts'], {
    cwd: fromRoot(),
    env: { ...process.env, ...vars },
    timeout: 170_000,
  });
  expect(run.stderr).toBe('');
  expect(run.stdout).toBe('Mail: 1 sent, 0 deferred, 0 failed.\n');
  expect((await sink.waitFor(1)).map((m) => m.to)).toEqual([['cron@example.com']]);
}, 180_000); // tsx compiles the CLI first: slow on a busy machine, never a measure
