import nodemailer from 'nodemailer';
import pino from 'pino';
import { createKnex } from '../../src/db/knex-factory';
import { createI18n } from '../../src/i18n/i18n';
import { lmtpListenOf } from '../../src/config/lmtp-address';
import { lmtpSecretOf, lmtpUser } from '../../src/mail-intake/lmtp-address';
import { handOver } from '../../src/mail-intake/lmtp-handover';
import net from 'node:net';
import path from 'node:path';
import {
  keepLmtpReceiver,
  startLmtpReceiver,
  type LmtpOptions,
  type LmtpReceiver,
} from '../../src/mail-intake/lmtp-receiver';
import { waitFor } from '../helpers/wait-for';
import fs from 'node:fs';
import { createInstallApp } from '../../install/install-app';
import { createTessera } from '../../src/tessera';
import { commandEnv } from '../helpers/command-env';
import { createServices } from '../../src/web/app-services';
import { configSchema } from '../../src/config/config.schema';
import { testConfig, useInstalledApp, type InstalledApp } from '../helpers/installed-app';
import { fixtureMail, simpleMail } from '../helpers/mail-intake';
import { tempDir } from '../helpers/test-db';

let t: InstalledApp;
useInstalledApp((app) => (t = app));
const receivers: LmtpReceiver[] = [];
afterEach(async () => {
  for (const r of receivers.splice(0)) await r.close();
});

/** The password the test configuration's signing secret gives, as the mail server is told it (`npm run lmtp:secret`). */
const secret = () => lmtpSecretOf(t.config.secrets.signing);
const signIn = () => ({ user: lmtpUser, pass: secret() });

async function receiver(deps = t.services, opts: LmtpOptions = {}): Promise<LmtpReceiver> {
  const r = await startLmtpReceiver(deps, lmtpListenOf('127.0.0.1:0'), { secret: secret(), ...opts });
  receivers.push(r);
  return r;
}

async function socketReceiver(at: string, opts: LmtpOptions = {}): Promise<LmtpReceiver> {
  const r = await startLmtpReceiver(t.services, { path: at }, opts);
  receivers.push(r);
  return r;
}

/** What a mail server's LMTP client does: one connection, signed in, the envelope, the raw message; the replies per recipient. */
async function lmtpSend(
  r: LmtpReceiver,
  raw: Buffer,
  to: string[],
  auth: { user: string; pass: string } | null = signIn(),
) {
  const port = Number(r.address().split(':').pop());
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port,
    lmtp: true,
    secure: false,
    ignoreTLS: true,
    ...(auth ? { auth } : {}),
  });
  try {
    return await transport.sendMail({ envelope: { from: 'sender@example.org', to }, raw });
  } finally {
    transport.close();
  }
}

const ticketsFrom = async (email: string) =>
  (await t.db('tickets as t').join('customers as c', 'c.id', 't.customer_id').where('c.email', email).select('t.id'))
    .length;

test('a mail handed over by LMTP is stored once per message, whatever the recipients and re-deliveries', async () => {
  const r = await receiver();
  const first = await lmtpSend(r, fixtureMail('plain.eml'), ['help@example.com']);
  expect(first.accepted).toEqual(['help@example.com']);
  expect(first.response).toContain('created');
  const again = await lmtpSend(r, fixtureMail('plain.eml'), ['help@example.com', 'sales@example.com']);
  expect(again.accepted).toEqual(['help@example.com', 'sales@example.com']);
  expect(again.response).toContain('duplicate');
  expect(await ticketsFrom('alice@example.org')).toBe(1);
  expect(await t.db('inbound_mails').where({ source: 'lmtp' }).select('envelope_recipient', 'status')).toEqual([
    { envelope_recipient: 'help@example.com', status: 'imported' },
  ]);
});

test('a refused mail is accepted (250): the mail server must not bounce an auto-reply back', async () => {
  const r = await receiver();
  const result = await lmtpSend(r, fixtureMail('out-of-office.eml', { TRACKING: 'ABCDEFGHJK', IN_REPLY_TO: '<x@y>' }), [
    'help@example.com',
  ]);
  expect(result.accepted).toEqual(['help@example.com']);
  expect(result.response).toContain('refused (auto_reply)');
});

test('many mails on one connection, as a mail server sends a queue', async () => {
  const r = await receiver();
  const port = Number(r.address().split(':').pop());
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port,
    lmtp: true,
    secure: false,
    ignoreTLS: true,
    pool: true,
    maxConnections: 1,
    maxMessages: 100,
    auth: signIn(),
  });
  try {
    for (let n = 0; n < 10; n++) {
      const sent = await transport.sendMail({
        envelope: { from: 'x@example.org', to: ['help@example.com'] },
        raw: simpleMail({ from: `Batch ${n} <batch${n}@example.org>`, subject: `Batch ${n}` }),
      });
      expect(sent.response).toContain('created');
    }
  } finally {
    transport.close();
  }
  expect(Number((await t.db('tickets').where('subject', 'like', 'Batch %').count({ n: '*' }))[0]!.n)).toBe(10);
});

test('with the database unreachable the answer is 451 (the mail server keeps the mail) and the same mail imports once it is back', async () => {
  const config = testConfig(
    {
      client: 'mysql',
      filename: 'x.sqlite',
      host: '127.0.0.1',
      port: 1,
      database: 'tessera',
      user: 'root',
      password: '',
      ssl: false,
      poolMax: 2,
    },
    tempDir(),
  );
  const db = createKnex(config.database, config.paths.data);
  try {
    const down = await receiver(
      createServices({ config, db, logger: pino({ level: 'silent' }), i18n: createI18n(), clock: t.clock }),
    );
    const raw = fixtureMail('windows-1251.eml');
    const refused = await lmtpSend(down, raw, ['help@example.com']);
    expect(refused).toMatchObject({
      accepted: [],
      rejected: ['help@example.com'],
      response: expect.stringMatching(/^451 /),
    });
    expect(await ticketsFrom('ivan@example.ru')).toBe(0);
    const back = await lmtpSend(await receiver(), raw, ['help@example.com']);
    expect(back.response).toContain('created');
    expect(await ticketsFrom('ivan@example.ru')).toBe(1);
  } finally {
    await db.destroy();
  }
});

test('the configuration takes a socket path or a loopback address only, with the parser the pipe and the receiver use', () => {
  const base = testConfig(t.config.database, t.config.paths.data);
  const parse = (lmtp: string) => configSchema.safeParse({ ...base, server: { ...base.server, lmtp } }).success;
  for (const good of ['/run/tessera/lmtp.sock', '127.0.0.1:2424', '127.255.0.1:24', 'localhost:2424', '[::1]:2424']) {
    expect(parse(good)).toBe(true);
    expect(() => lmtpListenOf(good)).not.toThrow();
  }
  for (const bad of [
    '0.0.0.0:2424',
    'mail.example.com:24',
    '127.999.1.1:2424',
    '127.0.0.1:70000',
    'relative/lmtp.sock',
    '127.0.0.1',
  ]) {
    expect(parse(bad)).toBe(false);
    expect(() => lmtpListenOf(bad)).toThrow();
  }
  expect(base.server.lmtp).toBeNull();
  const mode = (lmtpSocketMode: string) =>
    configSchema.safeParse({ ...base, server: { ...base.server, lmtpSocketMode } }).success;
  expect(configSchema.parse(base).server.lmtpSocketMode).toBe('0660');
  expect(mode('0600')).toBe(true);
  expect(mode('rw-rw----')).toBe(false);
  // Other users on the machine never: they would hand mail past the mail server's checks.
  for (const open of ['0666', '0777', '0662', '0604', '661']) expect([open, mode(open)]).toEqual([open, false]);
});

describe('on a loopback port the mail server must sign in: any local user can connect there', () => {
  const mail = () => simpleMail({ from: 'Forger <forger@example.org>', subject: 'Skipped the mail server' });

  test('without signing in: 530, nothing stored', async () => {
    const r = await receiver();
    await expect(lmtpSend(r, mail(), ['help@example.com'], null)).rejects.toMatchObject({ responseCode: 530 });
    expect(await ticketsFrom('forger@example.org')).toBe(0);
  });

  test('with a wrong password or user name: refused (535), nothing stored; the pipe keeps the mail at the mail server (later, not refused)', async () => {
    const r = await receiver();
    await expect(lmtpSend(r, mail(), ['help@example.com'], { user: lmtpUser, pass: 'guess' })).rejects.toMatchObject({
      responseCode: 535,
    });
    await expect(lmtpSend(r, mail(), ['help@example.com'], { user: 'root', pass: secret() })).rejects.toMatchObject({
      responseCode: 535,
    });
    expect(await handOver(r.address(), mail(), 'help@example.com', 'guess')).toBe('later');
    expect(await ticketsFrom('forger@example.org')).toBe(0);
  });

  test('with the password derived from the signing secret: delivered, by the pipe as client too', async () => {
    const r = await receiver();
    expect((await lmtpSend(r, mail(), ['help@example.com'])).response).toContain('created');
    expect(
      await handOver(r.address(), simpleMail({ from: 'Pipe <pipe-port@example.org>' }), 'help@example.com', secret()),
    ).toBe('accepted');
    expect(await ticketsFrom('pipe-port@example.org')).toBe(1);
  });

  test('a port without a password is never opened; the password is never derived from an unset signing secret', async () => {
    await expect(startLmtpReceiver(t.services, lmtpListenOf('127.0.0.1:0'), {})).rejects.toThrow(/password/);
    expect(() => lmtpSecretOf('')).toThrow();
    expect(lmtpSecretOf('a'.repeat(40))).not.toBe(lmtpSecretOf('b'.repeat(40)));
  });
});

describe('on a Unix socket: the file permissions decide, whatever the umask, and no process removes the socket of another', () => {
  let dir: string;
  beforeEach(() => (dir = tempDir('tessera-lmtp-sock-')));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const modeOf = (p: string) => fs.statSync(p).mode & 0o777;

  test('the socket is 0660 by default under umask 0 and 077, or the configured mode; no sign-in is asked', async () => {
    const old = process.umask(0o000);
    try {
      const open = await socketReceiver(path.join(dir, 'a.sock'));
      expect(modeOf(open.address())).toBe(0o660);
      process.umask(0o077);
      const strict = await socketReceiver(path.join(dir, 'b.sock'));
      expect(modeOf(strict.address())).toBe(0o660);
      const own = await socketReceiver(path.join(dir, 'c.sock'), { socketMode: 0o600 });
      expect(modeOf(own.address())).toBe(0o600);
    } finally {
      process.umask(old);
    }
    expect(fs.readdirSync(dir).sort()).toEqual(['a.sock', 'b.sock', 'c.sock']);
    expect(
      await handOver(path.join(dir, 'a.sock'), simpleMail({ from: 'Socket <socket@example.org>' }), 'help@example.com'),
    ).toBe('accepted');
    expect(await ticketsFrom('socket@example.org')).toBe(1);
  });

  test('a live socket at the path is not taken over (EADDRINUSE); the file of a dead one is replaced', async () => {
    const at = path.join(dir, 'lmtp.sock');
    const live = await socketReceiver(at);
    await expect(startLmtpReceiver(t.services, { path: at })).rejects.toMatchObject({ code: 'EADDRINUSE' });
    expect(live.owns()).toBe(true);
    expect(await handOver(at, simpleMail({ from: 'Still <still@example.org>' }), null)).toBe('accepted');
    // A dead process's socket: a file nobody listens on.
    const dead = path.join(dir, 'dead.sock');
    const gone = net.createServer();
    await new Promise<void>((resolve) => gone.listen(`${dead}.tmp`, () => resolve()));
    fs.renameSync(`${dead}.tmp`, dead);
    await new Promise<void>((resolve) => gone.close(() => resolve()));
    expect(fs.lstatSync(dead).isSocket()).toBe(true);
    const next = await socketReceiver(dead);
    expect(await handOver(dead, simpleMail({ from: 'After <after-dead@example.org>' }), null)).toBe('accepted');
    expect(next.owns()).toBe(true);
  });

  test('an old process closing after a new one took the path leaves the new socket alone', async () => {
    const at = path.join(dir, 'lmtp.sock');
    const old = await startLmtpReceiver(t.services, { path: at });
    fs.rmSync(at); // e.g. the new process's start-up found it stale, or a clean-up removed it
    const fresh = await socketReceiver(at);
    expect(old.owns()).toBe(false);
    await old.close();
    expect(fresh.owns()).toBe(true);
    expect(await handOver(at, simpleMail({ from: 'Fresh <fresh@example.org>' }), null)).toBe('accepted');
  });

  test('a kept receiver waits while another process listens, and listens again when its socket file is removed', async () => {
    const at = path.join(dir, 'lmtp.sock');
    const logged: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => logged.push(line) });
    const other = await startLmtpReceiver(t.services, { path: at });
    const kept = keepLmtpReceiver({ ...t.services, logger }, { path: at }, { retryMs: 50, watchMs: 50 });
    try {
      await waitFor(
        () => logged.some((l) => l.includes('could not listen')),
        'the first attempt failing on the live socket',
      );
      await other.close(); // the old process stops: its socket goes, the kept one takes the path
      await waitFor(() => fs.existsSync(at), 'the kept receiver listening');
      expect(await handOver(at, simpleMail({ from: 'Kept <kept@example.org>' }), null)).toBe('accepted');
      fs.rmSync(at);
      await waitFor(() => fs.existsSync(at), 'the kept receiver listening again');
      expect(logged.some((l) => l.includes('removed or replaced'))).toBe(true);
      expect(await handOver(at, simpleMail({ from: 'Again <kept-again@example.org>' }), null)).toBe('accepted');
    } finally {
      await kept.close();
    }
    expect(fs.existsSync(at)).toBe(false);
  });
});

describe('limits: the size setting, connections, imports at once', () => {
  test('a mail above "Largest incoming e-mail" is refused with 552, nothing stored', async () => {
    await t.services.settings.save({ 'intake.maxMailMb': 1 });
    try {
      const r = await receiver();
      const big = simpleMail({
        from: 'Big <big@example.org>',
        subject: 'Too big',
        body: `${'x'.repeat(76)}\r\n`.repeat(14_000),
      });
      expect(await lmtpSend(r, big, ['help@example.com'])).toMatchObject({
        accepted: [],
        rejected: ['help@example.com'],
        response: expect.stringMatching(/^552 5\.3\.4 the message is larger than 1 MB/),
      });
      expect(await ticketsFrom('big@example.org')).toBe(0);
      expect(
        Number((await t.db('inbound_mails').where({ from_address: 'big@example.org' }).count({ n: '*' }))[0]!.n),
      ).toBe(0);
      expect(
        (await lmtpSend(r, simpleMail({ from: 'Small <small@example.org>' }), ['help@example.com'])).response,
      ).toContain('created');
    } finally {
      await t.services.settings.save({ 'intake.maxMailMb': 25 });
    }
  });

  test('a mail beyond the imports at once is answered 451 (the mail server tries again), the first one is stored', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered = 0;
    const settings = Object.create(t.services.settings) as typeof t.services.settings;
    settings.all = async () => {
      entered++;
      await gate;
      return t.services.settings.all();
    };
    const r = await receiver({ ...t.services, settings }, { maxImports: 1 });
    const first = lmtpSend(r, simpleMail({ from: 'First <first-busy@example.org>' }), ['help@example.com']);
    await waitFor(() => entered === 1, 'the first import holding its slot');
    const second = await lmtpSend(r, simpleMail({ from: 'Second <second-busy@example.org>' }), ['help@example.com']);
    expect(second).toMatchObject({
      accepted: [],
      rejected: ['help@example.com'],
      response: expect.stringMatching(/^451 4\.3\.2 /),
    });
    release();
    expect((await first).response).toContain('created');
    expect(await ticketsFrom('second-busy@example.org')).toBe(0);
  });

  test('connections beyond maxClients are turned away (421) while the first is served', async () => {
    const r = await receiver(t.services, { maxClients: 1 });
    const port = Number(r.address().split(':').pop());
    const greet = async () => {
      const c = net.connect(port, '127.0.0.1');
      const line = await new Promise<string>((resolve) => c.once('data', (d: Buffer) => resolve(d.toString())));
      return { c, line };
    };
    const first = await greet();
    const second = await greet();
    try {
      expect(first.line).toMatch(/^220 /);
      expect(second.line).toMatch(/^421 /);
    } finally {
      first.c.destroy();
      second.c.destroy();
    }
  });

  test('closing does not wait long for an idle mail server connection', async () => {
    // The defaults, as the web process starts it (2 s): with smtp-server's own 30 s the test times out.
    const r = await startLmtpReceiver(t.services, lmtpListenOf('127.0.0.1:0'), { secret: secret() });
    const port = Number(r.address().split(':').pop());
    const idle = net.connect(port, '127.0.0.1');
    await new Promise<void>((resolve) => idle.once('data', () => resolve()));
    const closed = r.close().then(() => 'closed');
    const ended = new Promise<string>((resolve) => idle.once('close', () => resolve('cut')));
    expect(await Promise.all([closed, ended])).toEqual(['closed', 'cut']);
    // 15 s: far above the 2 s close timeout on a loaded machine, far below smtp-server's own 30 s.
  }, 15_000);
});

/** Sends one mail as soon as the receiver answers at all, and returns its answer. */
async function firstAnswer(r: LmtpReceiver, mail: Buffer, what: string): Promise<string> {
  let response = '';
  await waitFor(async () => {
    response = await lmtpSend(r, mail, ['help@example.com']).then(
      (i) => i.response,
      () => '',
    );
    return response !== '';
  }, what);
  return response;
}

test('a receiver that cannot listen yet (its port still taken) tries again and takes mail once it can', async () => {
  const squatter = net.createServer();
  await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', () => resolve()));
  const port = (squatter.address() as net.AddressInfo).port;
  const logged: string[] = [];
  const kept = keepLmtpReceiver(
    { ...t.services, logger: pino({ level: 'error' }, { write: (line: string) => logged.push(line) }) },
    { host: '127.0.0.1', port },
    { secret: secret(), retryMs: 50 },
  );
  try {
    await waitFor(() => logged.some((l) => l.includes('could not listen')), 'the first attempt failing');
    await new Promise<void>((resolve) => squatter.close(() => resolve()));
    const r: LmtpReceiver = { address: () => `127.0.0.1:${port}`, close: async () => undefined, owns: () => true };
    expect(
      await firstAnswer(
        r,
        simpleMail({ from: 'Late <late@example.org>', subject: 'After the port came free' }),
        'the receiver listening on the freed port',
      ),
    ).toContain('created');
  } finally {
    await kept.close();
  }
});

test('the help desk process receives by LMTP where TESSERA_LMTP says, and stops receiving when it closes', async () => {
  const configDir = tempDir('tessera-lmtp-config-');
  const free = net.createServer();
  await new Promise<void>((resolve) => free.listen(0, '127.0.0.1', () => resolve()));
  const port = (free.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => free.close(() => resolve()));
  const tessera = createTessera(
    createInstallApp,
    { ...commandEnv(t, configDir), TESSERA_LMTP: `127.0.0.1:${port}` },
    pino({ level: 'silent' }),
  );
  const at: LmtpReceiver = { address: () => `127.0.0.1:${port}`, close: async () => undefined, owns: () => true };
  try {
    expect(
      await firstAnswer(
        at,
        simpleMail({ from: 'Wired <wired@example.org>', subject: 'Through the web process' }),
        'the web process listening for LMTP',
      ),
    ).toContain('created');
  } finally {
    await tessera.close();
    fs.rmSync(configDir, { recursive: true, force: true });
  }
  await expect(lmtpSend(at, simpleMail({ subject: 'After close' }), ['help@example.com'])).rejects.toMatchObject({
    code: 'ESOCKET',
  });
});
