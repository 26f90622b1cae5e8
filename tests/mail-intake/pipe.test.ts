import { spawn } from 'node:child_process';
import fs from 'node:fs';
import type { DatabaseConfig } from '../../src/config/config.schema';
import { fromRoot } from '../../src/paths';
import path from 'node:path';
import { lmtpSecretOf } from '../../src/mail-intake/lmtp-address';
import { startLmtpReceiver } from '../../src/mail-intake/lmtp-receiver';
import { commandEnv } from '../helpers/command-env';
import { startDbProxy, type DbProxy } from '../helpers/db-proxy';
import { useInstalledApp, type InstalledApp } from '../helpers/installed-app';
import { fixtureMail } from '../helpers/mail-intake';
import { tempDir, testDbKind } from '../helpers/test-db';

// Each run starts node and compiles TypeScript: give the file the time the other child-process tests have.
jest.setTimeout(180_000);

let t: InstalledApp;
useInstalledApp((app) => (t = app));
// An empty configuration folder: the child reads the repository's defaults and the environment only.
const configDir = tempDir('tessera-h11-import-pipe-');
afterAll(() => fs.rmSync(configDir, { recursive: true, force: true }));

/** Runs bin/tessera-mail-pipe as an MTA would: the mail on stdin, the exit code is the answer. */
function pipe(
  raw: Buffer,
  database: DatabaseConfig = t.config.database,
  args: string[] = [],
): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(fromRoot('bin', 'tessera-mail-pipe'), args, {
      env: commandEnv(t, configDir, database),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
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

test('a mail piped in is stored (exit 0); piped again it is a duplicate (exit 0)', async () => {
  const first = await pipe(fixtureMail('plain.eml'));
  expect(first).toEqual({ code: 0, out: expect.stringContaining('created') });
  const again = await pipe(fixtureMail('plain.eml'));
  expect(again).toEqual({ code: 0, out: expect.stringContaining('duplicate') });
  expect(await ticketsFrom('alice@example.org')).toBe(1);
});

test('a refused mail is taken (exit 0): the MTA must not bounce an auto-reply back', async () => {
  const result = await pipe(fixtureMail('out-of-office.eml', { TRACKING: 'ABCDEFGHJK', IN_REPLY_TO: '<x@y>' }));
  expect(result).toEqual({ code: 0, out: expect.stringContaining('refused (auto_reply)') });
});

test('with the database unreachable the pipe exits 75 and the same mail imports once it is back', async () => {
  let proxy: DbProxy | null = null;
  let down: DatabaseConfig;
  if (testDbKind === 'sqlite') {
    // A SQLite file cannot go away like a server: the outage is a configured server that does not answer.
    down = { ...t.config.database, client: 'mysql', host: '127.0.0.1', port: 1 };
  } else {
    proxy = await startDbProxy({ host: t.config.database.host, port: t.config.database.port! });
    proxy.setMode('refuse');
    down = { ...t.config.database, host: proxy.host, port: proxy.port };
  }
  try {
    const raw = fixtureMail('windows-1251.eml');
    const failed = await pipe(raw, down);
    expect(failed.code).toBe(75);
    expect(failed.out).toContain('try again later');
    expect(await ticketsFrom('ivan@example.ru')).toBe(0);
    proxy?.setMode('pass');
    const back = await pipe(raw, proxy ? down : t.config.database);
    expect(back).toEqual({ code: 0, out: expect.stringContaining('created') });
    expect(await ticketsFrom('ivan@example.ru')).toBe(1);
  } finally {
    await proxy?.close();
  }
});

test('an empty message can never be stored: exit 65', async () => {
  expect((await pipe(Buffer.alloc(0))).code).toBe(65);
});

test('--recipient passes the envelope recipient through the script and is kept with the mail; a bad one makes the mail server keep the mail (exit 75)', async () => {
  const bad = await pipe(fixtureMail('plain.eml', {}), t.config.database, ['--recipient', 'not an address']);
  expect(bad).toEqual({ code: 75, out: expect.stringContaining('--recipient') });
  const raw = Buffer.from(
    fixtureMail('plain.eml')
      .toString('latin1')
      .replace(/^Message-ID:.*$/im, 'Message-ID: <h11-recipient@example.org>'),
    'latin1',
  );
  const good = await pipe(raw, t.config.database, ['--recipient', '<Help+Tag@Example.com>']);
  expect(good.code).toBe(0);
  expect(
    await t.db('inbound_mails').where({ message_id_header: '<h11-recipient@example.org>' }).first('envelope_recipient'),
  ).toEqual({ envelope_recipient: 'help+tag@example.com' });
});

describe('--lmtp: handed to the running help desk, imported here only when nobody listens', () => {
  const socket = path.join(configDir, 'lmtp.sock');

  test('a running receiver takes the mail: the pipe loads no database and exits 0', async () => {
    const receiver = await startLmtpReceiver(t.services, { path: socket });
    try {
      const raw = Buffer.from(
        fixtureMail('plain.eml')
          .toString('latin1')
          .replace(/^Message-ID:.*$/im, 'Message-ID: <h11-lmtp-pipe@example.org>'),
        'latin1',
      );
      // The database the child is told about does not answer: only the hand-over can store the mail.
      const result = await pipe(raw, { ...t.config.database, client: 'mysql', host: '127.0.0.1', port: 1 }, [
        '--lmtp',
        socket,
        '--recipient',
        'help@example.com',
      ]);
      expect(result).toEqual({ code: 0, out: expect.stringContaining('handed to the help desk (accepted)') });
      expect(
        await t
          .db('inbound_mails')
          .where({ message_id_header: '<h11-lmtp-pipe@example.org>' })
          .select('source', 'envelope_recipient'),
      ).toEqual([{ source: 'lmtp', envelope_recipient: 'help@example.com' }]);
    } finally {
      await receiver.close();
    }
  });

  test('a receiver on a loopback port: the pipe signs in with the password from the configuration', async () => {
    const receiver = await startLmtpReceiver(
      t.services,
      { host: '127.0.0.1', port: 0 },
      { secret: lmtpSecretOf(t.config.secrets.signing) },
    );
    try {
      const raw = Buffer.from(
        fixtureMail('plain.eml')
          .toString('latin1')
          .replace(/^Message-ID:.*$/im, 'Message-ID: <h11-lmtp-port@example.org>'),
        'latin1',
      );
      const result = await pipe(raw, { ...t.config.database, client: 'mysql', host: '127.0.0.1', port: 1 }, [
        '--lmtp',
        receiver.address(),
      ]);
      expect(result).toEqual({ code: 0, out: expect.stringContaining('handed to the help desk (accepted)') });
      expect(
        await t.db('inbound_mails').where({ message_id_header: '<h11-lmtp-port@example.org>' }).select('source'),
      ).toEqual([{ source: 'lmtp' }]);
    } finally {
      await receiver.close();
    }
  });

  test('nobody listens: the pipe imports the mail itself; with the database down as well it exits 75', async () => {
    const raw = Buffer.from(
      fixtureMail('plain.eml')
        .toString('latin1')
        .replace(/^Message-ID:.*$/im, 'Message-ID: <h11-lmtp-fallback@example.org>'),
      'latin1',
    );
    const bothDown = await pipe(raw, { ...t.config.database, client: 'mysql', host: '127.0.0.1', port: 1 }, [
      '--lmtp',
      socket,
    ]);
    expect(bothDown.code).toBe(75);
    const fallback = await pipe(raw, t.config.database, ['--lmtp', socket]);
    expect(fallback).toEqual({ code: 0, out: expect.stringContaining('created') });
    expect(
      await t.db('inbound_mails').where({ message_id_header: '<h11-lmtp-fallback@example.org>' }).select('source'),
    ).toEqual([{ source: 'pipe' }]);
  });
});
