import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { importSpoolOf, runDueJobs } from '../../src/jobs/job-runner';
import { importRawMail } from '../../src/mail-intake/intake.service';
import { pipeInputCap } from '../../src/mail-intake/pipe-input';
import { importSpool, maxSpoolAttempts, spoolFolder, staleClaimMs, staleWriteMs } from '../../src/mail-intake/spool';
import { fromRoot } from '../../src/paths';
import { useInstalledApp, type InstalledApp } from '../helpers/installed-app';
import { simpleMail } from '../helpers/mail-intake';

// Each mail starts a shell, as the MTA would: give the file the time the other child-process tests have.
jest.setTimeout(180_000);

let t: InstalledApp;
useInstalledApp((app) => (t = app));

const spool = () => spoolFolder(t.config.paths.data);
// Each test starts from an empty spool: what one left behind must not count in the next.
beforeEach(() => fs.rmSync(spool(), { recursive: true, force: true }));
const waiting = (sub: 'tmp' | 'new' | 'cur' | 'failed') =>
  fs.existsSync(path.join(spool(), sub)) ? fs.readdirSync(path.join(spool(), sub)) : [];

/** Runs bin/tessera-mail-spool as an MTA would: the mail on stdin, the exit code is the answer. */
function spoolMail(raw: Buffer, dir = spool(), env: NodeJS.ProcessEnv = process.env): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(fromRoot('bin', 'tessera-mail-spool'), [dir], { stdio: ['pipe', 'ignore', 'ignore'], env });
    child.on('error', reject);
    child.on('close', resolve);
    // A spool that answers before reading all of the mail (it cannot write) closes its input: the
    // MTA gets EPIPE on the rest and goes by the exit code, as this does.
    child.stdin.on('error', () => {});
    child.stdin.end(raw);
  });
}

const ticketsFrom = async (email: string) =>
  Number(
    (
      await t
        .db('tickets as t')
        .join('customers as c', 'c.id', 't.customer_id')
        .where('c.email', email)
        .count({ n: '*' })
    )[0]!.n,
  );
const spoolDeps = () => ({
  importMail: (raw: Buffer) => importRawMail(t.services, raw, { source: 'pipe', mailboxId: null }),
  now: () => t.clock.now(),
  logger: t.services.logger,
});

test('a spooled mail is imported by the jobs once, and the spool is empty after', async () => {
  const raw = simpleMail({ from: 'spooled@example.org', subject: 'From the spool' });
  expect(await spoolMail(raw)).toBe(0);
  expect(await spoolMail(raw)).toBe(0); // the MTA delivered it twice
  expect(waiting('new')).toHaveLength(2);
  const report = await runDueJobs(t.services);
  expect(report.spooled).toEqual({ imported: 2 });
  expect(await ticketsFrom('spooled@example.org')).toBe(1);
  expect([...waiting('new'), ...waiting('cur'), ...waiting('tmp')]).toEqual([]);
  expect((await t.db('inbound_mails').where({ from_address: 'spooled@example.org' }).first('source'))!.source).toBe(
    'pipe',
  );
});

test('an empty message is refused (65); a spool that cannot be written answers 75 (the MTA retries)', async () => {
  expect(await spoolMail(Buffer.alloc(0))).toBe(65);
  expect(waiting('new')).toEqual([]);
  const blocked = path.join(t.config.paths.data, 'not-a-folder');
  fs.writeFileSync(blocked, 'x');
  expect(await spoolMail(simpleMail({}), path.join(blocked, 'spool'))).toBe(75);
});

test('two importers at once: each mail is imported exactly once', async () => {
  const senders = Array.from({ length: 12 }, (_, i) => `both${i}@example.org`);
  for (const from of senders) expect(await spoolMail(simpleMail({ from, subject: `Mail from ${from}` }))).toBe(0);
  const [a, b] = await Promise.all([importSpoolOf(t.services), importSpool(spoolDeps(), spool())]);
  expect(a.imported + b.imported).toBe(senders.length);
  for (const from of senders) expect(await ticketsFrom(from)).toBe(1);
  expect(waiting('new')).toEqual([]);
});

test('database unreachable: the mail goes back to new/ and the next pass imports it', async () => {
  expect(await spoolMail(simpleMail({ from: 'outage@example.org' }))).toBe(0);
  const down = {
    ...spoolDeps(),
    importMail: () => Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })),
  };
  await expect(importSpool(down, spool())).rejects.toThrow('ECONNREFUSED');
  expect(waiting('new')).toEqual([expect.stringMatching(/^\d+\.\d+,/)]); // under its claimed name, never the spool program's
  await expect(importSpool(down, spool())).rejects.toThrow('ECONNREFUSED');
  expect(waiting('new')).toEqual([expect.stringMatching(/^\d+\.\d+,0,\d+$/)]); // claimed again: the name did not grow
  expect(await ticketsFrom('outage@example.org')).toBe(0);
  expect(await importSpool(spoolDeps(), spool())).toEqual({ imported: 1 });
  expect(await ticketsFrom('outage@example.org')).toBe(1);
});

test('a claim left by a process that died is taken back after the lease, and imported without a second ticket', async () => {
  const raw = simpleMail({ from: 'crashed@example.org' });
  // The dead process had imported the mail but not yet deleted its claim; a second one never started.
  await importRawMail(t.services, raw, { source: 'pipe', mailboxId: null });
  for (const sub of ['tmp', 'new', 'cur']) fs.mkdirSync(path.join(spool(), sub), { recursive: true }); // as the spool program makes it
  fs.writeFileSync(path.join(spool(), 'cur', `12345,${t.clock.now()}`), raw);
  fs.writeFileSync(
    path.join(spool(), 'cur', `12346,${t.clock.now()}`),
    simpleMail({ from: 'crashed-early@example.org' }),
  );
  expect(await importSpool(spoolDeps(), spool())).toEqual({ imported: 0 }); // still leased
  t.clock.advance(staleClaimMs + 1);
  expect(await importSpool(spoolDeps(), spool())).toEqual({ imported: 2 });
  expect(await ticketsFrom('crashed@example.org')).toBe(1);
  expect(await ticketsFrom('crashed-early@example.org')).toBe(1);
  expect(waiting('cur')).toEqual([]);
});

test('a mail whose import always fails does not hold up the others, and ends in failed/ after the last attempt', async () => {
  expect(await spoolMail(simpleMail({ from: 'poison@example.org' }))).toBe(0); // before or after the other in the folder's order: neither may wait
  expect(await spoolMail(simpleMail({ from: 'fine@example.org' }))).toBe(0);
  const logged: unknown[] = [];
  const poisoned = {
    ...spoolDeps(),
    logger: { error: (obj: unknown) => void logged.push(obj) },
    importMail: (raw: Buffer) =>
      raw.includes('poison@')
        ? Promise.reject(Object.assign(new Error('EIO: i/o error'), { code: 'EIO' }))
        : spoolDeps().importMail(raw),
  };
  expect(await importSpool(poisoned, spool())).toEqual({ imported: 1 });
  expect(await ticketsFrom('fine@example.org')).toBe(1);
  expect(waiting('new')).toEqual([expect.stringMatching(/^\d+\.\d+,1,\d+$/)]); // one failure counted in its name
  for (let pass = 2; pass <= maxSpoolAttempts; pass++)
    expect(await importSpool(poisoned, spool())).toEqual({ imported: 0 });
  expect([...waiting('new'), ...waiting('cur')]).toEqual([]);
  expect(waiting('failed')).toEqual([expect.stringMatching(new RegExp(`^\\d+\\.\\d+,${maxSpoolAttempts},\\d+$`))]);
  expect(logged).toEqual([expect.objectContaining({ attempts: maxSpoolAttempts })]);
  expect(await ticketsFrom('poison@example.org')).toBe(0);
});

test('a symbolic link or a mail larger than the import reads goes to failed/ (logged, never read); one over the mail limit is kept aside as too big', async () => {
  for (const sub of ['tmp', 'new', 'cur']) fs.mkdirSync(path.join(spool(), sub), { recursive: true });
  const secret = path.join(t.config.paths.data, 'secret.txt');
  fs.writeFileSync(secret, simpleMail({ from: 'linked@example.org' }));
  fs.symlinkSync(secret, path.join(spool(), 'new', '1.1'));
  fs.writeFileSync(path.join(spool(), 'new', '1.2'), '');
  fs.truncateSync(path.join(spool(), 'new', '1.2'), pipeInputCap + 1); // sparse: no disk used
  await t.services.settings.save({ 'intake.maxMailMb': 1 });
  const big = simpleMail({ from: 'big@example.org', body: 'x'.repeat(1024 * 1024 + 1) });
  expect(await spoolMail(big)).toBe(0);
  const logged: string[] = [];
  const deps = { ...spoolDeps(), logger: { error: (_: unknown, msg?: string) => void logged.push(msg ?? '') } };
  expect(await importSpool(deps, spool())).toEqual({ imported: 1 });
  expect(waiting('failed').sort()).toEqual(['1.1,0,' + t.clock.now(), '1.2,0,' + t.clock.now()]);
  expect(logged.sort()).toEqual([
    expect.stringContaining('not a regular file'),
    expect.stringContaining('larger than'),
  ]);
  expect(await ticketsFrom('linked@example.org')).toBe(0);
  expect(await t.db('inbound_mails').where({ status: 'failed', reason: 'too_big' }).pluck('from_address')).toEqual([
    'big@example.org',
  ]);
  expect([...waiting('new'), ...waiting('cur')]).toEqual([]);
});

test('the program flushes new/ after the rename; a failing flush still answers 0, the mail being in new/', async () => {
  const fakeBin = path.join(t.config.paths.data, 'fake-bin');
  const calls = path.join(t.config.paths.data, 'sync-calls');
  fs.mkdirSync(fakeBin, { recursive: true });
  fs.writeFileSync(path.join(fakeBin, 'sync'), `#!/bin/sh\necho "$@" >> '${calls}'\nexit 1\n`, { mode: 0o755 });
  expect(await spoolMail(simpleMail({}), spool(), { ...process.env, PATH: `${fakeBin}:${process.env.PATH}` })).toBe(0);
  expect(waiting('new')).toHaveLength(1);
  expect(fs.readFileSync(calls, 'utf8').trim()).toBe(path.join(spool(), 'new'));
});

test('what a spool program left in tmp/ is deleted after 36 hours, not before (a slow MTA may still be writing)', async () => {
  for (const sub of ['tmp', 'new', 'cur']) fs.mkdirSync(path.join(spool(), sub), { recursive: true });
  const setAge = (name: string, ageMs: number) => {
    fs.writeFileSync(path.join(spool(), 'tmp', name), 'half a mail');
    const at = (t.clock.now() - ageMs) / 1000;
    fs.utimesSync(path.join(spool(), 'tmp', name), at, at);
  };
  setAge('slow', staleWriteMs - 60_000);
  setAge('dead', staleWriteMs + 60_000);
  expect(staleWriteMs).toBe(36 * 60 * 60_000);
  await importSpool(spoolDeps(), spool());
  expect(waiting('tmp')).toEqual(['slow']);
});
