import nodemailer from 'nodemailer';
import pino from 'pino';
import { createKnex } from '../../src/db/knex-factory';
import { createI18n } from '../../src/i18n/i18n';
import { lmtpListenOf } from '../../src/mail-intake/lmtp-address';
import net from 'node:net';
import { keepLmtpReceiver, startLmtpReceiver, type LmtpReceiver } from '../../src/mail-intake/lmtp-receiver';
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

async function receiver(deps = t.services): Promise<LmtpReceiver> {
  const r = await startLmtpReceiver(deps, lmtpListenOf('127.0.0.1:0'));
  receivers.push(r);
  return r;
}

/** What a mail server's LMTP client does: one connection, the envelope, the raw message; the replies per recipient. */
async function lmtpSend(r: LmtpReceiver, raw: Buffer, to: string[]) {
  const port = Number(r.address().split(':').pop());
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port, lmtp: true, secure: false, ignoreTLS: true });
  try {
    return await transport.sendMail({ envelope: { from: 'sender@example.org', to }, raw });
  } finally {
    transport.close();
  }
}

const ticketsFrom = async (email: string) => (await t.db('tickets as t').join('customers as c', 'c.id', 't.customer_id').where('c.email', email).select('t.id')).length;

test('a mail handed over by LMTP is stored once per message, whatever the recipients and re-deliveries', async () => {
  const r = await receiver();
  const first = await lmtpSend(r, fixtureMail('plain.eml'), ['help@example.com']);
  expect(first.accepted).toEqual(['help@example.com']);
  expect(first.response).toContain('created');
  const again = await lmtpSend(r, fixtureMail('plain.eml'), ['help@example.com', 'sales@example.com']);
  expect(again.accepted).toEqual(['help@example.com', 'sales@example.com']);
  expect(again.response).toContain('duplicate');
  expect(await ticketsFrom('alice@example.org')).toBe(1);
  expect(await t.db('inbound_mails').where({ source: 'lmtp' }).select('envelope_recipient', 'status')).toEqual([{ envelope_recipient: 'help@example.com', status: 'imported' }]);
});

test('a refused mail is accepted (250): the mail server must not bounce an auto-reply back', async () => {
  const r = await receiver();
  const result = await lmtpSend(r, fixtureMail('out-of-office.eml', { TRACKING: 'ABCDEFGHJK', IN_REPLY_TO: '<x@y>' }), ['help@example.com']);
  expect(result.accepted).toEqual(['help@example.com']);
  expect(result.response).toContain('refused (auto_reply)');
});

test('many mails on one connection, as a mail server sends a queue', async () => {
  const r = await receiver();
  const port = Number(r.address().split(':').pop());
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port, lmtp: true, secure: false, ignoreTLS: true, pool: true, maxConnections: 1, maxMessages: 100 });
  try {
    for (let n = 0; n < 10; n++) {
      const sent = await transport.sendMail({ envelope: { from: 'x@example.org', to: ['help@example.com'] }, raw: simpleMail({ from: `Batch ${n} <batch${n}@example.org>`, subject: `Batch ${n}` }) });
      expect(sent.response).toContain('created');
    }
  } finally {
    transport.close();
  }
  expect(Number((await t.db('tickets').where('subject', 'like', 'Batch %').count({ n: '*' }))[0]!.n)).toBe(10);
});

test('with the database unreachable the answer is 451 (the mail server keeps the mail) and the same mail imports once it is back', async () => {
  const config = testConfig({ client: 'mysql', filename: 'x.sqlite', host: '127.0.0.1', port: 1, database: 'tessera', user: 'root', password: '', ssl: false, poolMax: 2 }, tempDir());
  const db = createKnex(config.database, config.paths.data);
  try {
    const down = await receiver(createServices({ config, db, logger: pino({ level: 'silent' }), i18n: createI18n(), clock: t.clock }));
    const raw = fixtureMail('windows-1251.eml');
    const refused = await lmtpSend(down, raw, ['help@example.com']);
    expect(refused).toMatchObject({ accepted: [], rejected: ['help@example.com'], response: expect.stringMatching(/^451 /) });
    expect(await ticketsFrom('ivan@example.ru')).toBe(0);
    const back = await lmtpSend(await receiver(), raw, ['help@example.com']);
    expect(back.response).toContain('created');
    expect(await ticketsFrom('ivan@example.ru')).toBe(1);
  } finally {
    await db.destroy();
  }
});

test('the configuration takes a socket path or a loopback address only: LMTP has no sign-in', () => {
  const base = testConfig(t.config.database, t.config.paths.data);
  const parse = (lmtp: string) => configSchema.safeParse({ ...base, server: { ...base.server, lmtp } }).success;
  expect(parse('/run/tessera/lmtp.sock')).toBe(true);
  expect(parse('127.0.0.1:2424')).toBe(true);
  expect(parse('[::1]:2424')).toBe(true);
  expect(parse('0.0.0.0:2424')).toBe(false);
  expect(parse('mail.example.com:24')).toBe(false);
  expect(base.server.lmtp).toBeNull();
});

test('a receiver that cannot listen yet (its port still taken) tries again and takes mail once it can', async () => {
  const squatter = net.createServer();
  await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', () => resolve()));
  const port = (squatter.address() as net.AddressInfo).port;
  const logged: string[] = [];
  const kept = keepLmtpReceiver({ ...t.services, logger: pino({ level: 'error' }, { write: (line: string) => logged.push(line) }) }, { host: '127.0.0.1', port }, 50);
  try {
    await waitFor(() => logged.some((l) => l.includes('could not listen')), 'the first attempt failing');
    await new Promise<void>((resolve) => squatter.close(() => resolve()));
    const r: LmtpReceiver = { address: () => `127.0.0.1:${port}`, close: async () => undefined };
    let response = '';
    await waitFor(async () => {
      response = await lmtpSend(r, simpleMail({ from: 'Late <late@example.org>', subject: 'After the port came free' }), ['help@example.com']).then((i) => i.response, () => '');
      return response !== '';
    }, 'the receiver listening on the freed port');
    expect(response).toContain('created');
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
  const tessera = createTessera(createInstallApp, { ...commandEnv(t, configDir), TESSERA_LMTP: `127.0.0.1:${port}` }, pino({ level: 'silent' }));
  const at: LmtpReceiver = { address: () => `127.0.0.1:${port}`, close: async () => undefined };
  try {
    let response = '';
    await waitFor(async () => {
      response = await lmtpSend(at, simpleMail({ from: 'Wired <wired@example.org>', subject: 'Through the web process' }), ['help@example.com']).then((i) => i.response, () => '');
      return response !== '';
    }, 'the web process listening for LMTP');
    expect(response).toContain('created');
  } finally {
    await tessera.close();
    fs.rmSync(configDir, { recursive: true, force: true });
  }
  await expect(lmtpSend(at, simpleMail({ subject: 'After close' }), ['help@example.com'])).rejects.toMatchObject({ code: 'ESOCKET' });
});
