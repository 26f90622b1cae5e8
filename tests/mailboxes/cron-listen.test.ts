import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { startListening } from '../../src/jobs/job-runner';
import type { MailListener } from '../../src/jobs/mail-listen';
import { findMailbox } from '../../src/mailboxes/mailboxes.repo';
import { fromRoot } from '../../src/paths';
import { commandEnv } from '../helpers/command-env';
import { describeWithDovecot, type DovecotServer } from '../helpers/dovecot';
import type { InstalledApp } from '../helpers/installed-app';
import { addDovecotMailbox, customerMail, useDovecotMailboxes } from '../helpers/mailbox-fixtures';
import { tempDir } from '../helpers/test-db';
import { waitFor } from '../helpers/wait-for';

// A child process compiles the CLI with tsx first: slow on a busy machine, never a measure.
jest.setTimeout(240_000);

const configDir = tempDir('tessera-cron-listen-config-');
afterAll(() => fs.rmSync(configDir, { recursive: true, force: true }));

/** `npm run cron -- --listen` as a host's supervisor starts it: its own process, its stdout and exit code kept. */
function startCron(t: InstalledApp): { child: ChildProcess; exited: Promise<number | null>; output: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/cron.ts', '--listen'], {
    cwd: fromRoot(),
    env: commandEnv(t, configDir),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => resolve(code));
  });
  return { child, exited, output: () => out };
}

/**
 * The cron command as a long-lived listener, end to end: a real process against a real Dovecot.
 * The test clock stands still (behind the child's real clock), so in this process the child's
 * 60-second lease never looks run out: a listener here gets the mailbox only once the child gave
 * its lease back.
 */
describeWithDovecot('npm run cron -- --listen, as a process', () => {
  let t: InstalledApp;
  let dc: DovecotServer;
  let cron: ReturnType<typeof startCron> | null = null;
  let mine: MailListener | null = null;
  useDovecotMailboxes((app, server) => ((t = app), (dc = server)));
  afterEach(async () => {
    await mine?.stop();
    if (cron && cron.child.exitCode === null && cron.child.signalCode === null) {
      cron.child.kill('SIGKILL');
      await cron.exited;
    }
  });

  test('a delivered mail is imported through its IDLE connection; SIGTERM ends it cleanly and another process listens at once', async () => {
    const id = await addDovecotMailbox(t, dc, { afterImport: 'mark_seen' });
    const row = async () => (await findMailbox(t.db, id))!;
    cron = startCron(t);
    // Listening, and the run's one round of jobs (its poll included) over: it prints its report then.
    await waitFor(
      async () =>
        ((await row()).listening_since !== null && cron!.output().includes('Mail: ')) || cron!.child.exitCode !== null,
      'the cron process listening',
      180_000,
    );
    expect(cron.child.exitCode).toBeNull();
    const holder = (await row()).listened_by!;
    expect(holder).toMatch(new RegExp(`^listen-${cron.child.pid}-`));

    // The cron run's one poll is over and the test clock never makes the mailbox due: only the
    // IDLE connection can bring this mail in.
    dc.deliver(customerMail({ n: 'cron-idle', subject: 'Through the cron listener' }));
    await waitFor(
      async () => (await t.db('tickets').where({ subject: 'Through the cron listener' }).select('id')).length === 1,
      'the ticket',
      60_000,
    );
    await waitFor(() => dc.files().every((f) => /:2,[A-Z]*S/.test(f)), 'the message marked read');

    cron.child.kill('SIGTERM');
    expect(await cron.exited).toBe(0);
    expect(await row()).toMatchObject({ listen_until: null, listened_by: null, listening_since: null });

    mine = startListening(t.services, { checkEveryMs: 200 })!;
    await waitFor(async () => (await row()).listening_since !== null, 'this process listening', 30_000);
    expect(mine.held()).toEqual([id]);
    expect((await row()).listened_by).toMatch(new RegExp(`^listen-${process.pid}-`));
    // Still exactly one ticket: the takeover's catch-up fetch finds the mail done.
    expect((await t.db('tickets').where({ subject: 'Through the cron listener' }).select('id')).length).toBe(1);
  });
});
