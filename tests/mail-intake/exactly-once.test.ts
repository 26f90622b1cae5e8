import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import type { AttachmentStore } from '../../src/attachments/attachment-store';
import { createKnex } from '../../src/db/knex-factory';
import { createI18n } from '../../src/i18n/i18n';
import { discardInboundMail, importRawMail, retryInboundMail } from '../../src/mail-intake/intake.service';
import { anonymizeCustomer, anonymizeTicket, deleteCustomer } from '../../src/privacy/privacy.service';
import { createServices } from '../../src/web/app-services';
import { useInstalledApp, type InstalledApp } from '../helpers/installed-app';
import { within } from '../helpers/wait-for';
import { importMail, outbox, pipeOrigin, simpleMail } from '../helpers/mail-intake';
import { testPool } from '../helpers/test-db';

let t: InstalledApp;
useInstalledApp((app) => (t = app), { freshRateLimits: true });
beforeEach(async () => {
  await t.db('mail_outbox').del();
});

const count = async (table: string, where: Record<string, unknown> = {}) =>
  Number((await t.db(table).where(where).count({ n: '*' }))[0]!.n);
const rawPath = (key: string) => path.join(t.config.paths.attachments, key.slice(0, 2), key.slice(2, 4), key);

/** A second process on the same database: its own pool and its own services. */
function secondProcess() {
  const db = createKnex(t.config.database, t.config.paths.data, testPool);
  const services = createServices({
    config: t.config,
    db,
    logger: pino({ level: 'silent' }),
    i18n: createI18n(),
    clock: t.clock,
  });
  return { services, close: () => db.destroy() };
}

test('the same mail imported by two processes at once: one ticket, one message, one acknowledgement', async () => {
  const other = secondProcess();
  try {
    for (let round = 0; round < 3; round++) {
      const raw = simpleMail({ from: `race${round}@example.org`, messageId: `<race-${round}@example.org>` });
      const results = await Promise.all([
        importRawMail(t.services, raw, pipeOrigin),
        importRawMail(other.services, raw, pipeOrigin),
        importRawMail(t.services, raw, pipeOrigin),
      ]);
      expect(results.map((r) => r.outcome).sort()).toEqual(['created', 'duplicate', 'duplicate']);
      expect(await count('messages', { email_message_id: `<race-${round}@example.org>` })).toBe(1);
      expect(await count('inbound_mails', { message_id_header: `<race-${round}@example.org>` })).toBe(1);
      expect((await outbox(t)).filter((m) => m.to_address === `race${round}@example.org`).length).toBe(1);
    }
  } finally {
    await other.close();
  }
});

test('a 30 MB attachment makes the mail too big: kept aside with its raw bytes, imported on retry without the oversized file', async () => {
  const big = Buffer.alloc(30 * 1024 * 1024, 7)
    .toString('base64')
    .replace(/.{76}/g, '$&\r\n');
  const raw = Buffer.from(
    [
      'From: Big Sender <big@example.org>',
      'To: help@example.com',
      `Subject: =?UTF-8?B?${Buffer.from('Veľký sken').toString('base64')}?=`,
      'Message-ID: <huge@example.org>',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'The scan is attached.',
      '',
      '--b1',
      'Content-Type: application/pdf; name="scan.pdf"',
      'Content-Transfer-Encoding: base64',
      'Content-Disposition: attachment; filename="scan.pdf"',
      '',
      big,
      '--b1--',
      '',
    ].join('\r\n'),
  );
  const kept = await importMail(t, raw);
  expect(kept).toMatchObject({ outcome: 'kept_aside', reason: 'too_big', ticketId: null });
  const row = await t.db('inbound_mails').where({ id: kept.inboundId }).first();
  // Too big to parse, yet its header block says who sent it and about what (the list shows them).
  expect(row).toMatchObject({
    status: 'failed',
    reason: 'too_big',
    message_id_header: '<huge@example.org>',
    from_address: 'big@example.org',
    subject: 'Veľký sken',
  });
  expect(fs.statSync(rawPath(row.raw_key)).size).toBe(raw.length);
  expect(await outbox(t)).toEqual([]);
  // The MTA delivering it again changes nothing.
  expect((await importMail(t, raw)).outcome).toBe('duplicate');

  const retried = await retryInboundMail(t.services, kept.inboundId!);
  expect(retried).toMatchObject({ outcome: 'created', inboundId: kept.inboundId });
  const message = await t.db('messages').where({ ticket_id: retried.ticketId }).first('body');
  expect(message.body).toContain('The scan is attached.');
  expect(message.body).toContain('scan.pdf is larger than 10 MB.');
  expect(await count('attachments', { ticket_id: retried.ticketId })).toBe(0);
  expect(await t.db('inbound_mails').where({ id: kept.inboundId }).first('status', 'attempts')).toEqual({
    status: 'imported',
    attempts: 1,
  });
  await expect(retryInboundMail(t.services, kept.inboundId!)).rejects.toMatchObject({ status: 404 });
}, 120_000);

test('a mail without a usable sender is kept aside as unparseable, and can be discarded (its raw bytes go)', async () => {
  const kept = await importMail(
    t,
    Buffer.from('Subject: no sender at all\r\nMessage-ID: <nosender@example.org>\r\n\r\nwho am I?\r\n'),
  );
  expect(kept).toMatchObject({ outcome: 'kept_aside', reason: 'unparseable' });
  const row = await t.db('inbound_mails').where({ id: kept.inboundId }).first('raw_key');
  expect(fs.existsSync(rawPath(row.raw_key))).toBe(true);
  await discardInboundMail(t.services, kept.inboundId!, 1);
  expect(await t.db('inbound_mails').where({ id: kept.inboundId }).first('status', 'raw_key')).toEqual({
    status: 'discarded',
    raw_key: null,
  });
  expect(fs.existsSync(rawPath(row.raw_key))).toBe(false);
  await expect(discardInboundMail(t.services, kept.inboundId!, 1)).rejects.toMatchObject({ status: 404 });
  await expect(retryInboundMail(t.services, kept.inboundId!)).rejects.toMatchObject({ status: 404 });
});

/**
 * The services of `deps` with a store whose reads of raw mail wait until `parties` of them have
 * begun: a retry reads the raw bytes right after its status check, so all parties have passed
 * that check before any of them imports (two retries that overlap for certain, whatever the load).
 */
function meetingAtRawRead<T extends { store: AttachmentStore }>(parties: number, ...all: T[]): T[] {
  let arrived = 0;
  let release: () => void = () => undefined;
  const met = new Promise<void>((resolve) => (release = resolve));
  const gated = (store: AttachmentStore) =>
    new Proxy(store, {
      get(target, key, receiver) {
        if (key !== 'open') return Reflect.get(target, key, receiver);
        return (rawKey: string) =>
          (async function* () {
            if (++arrived === parties) release();
            await within(met, 'both retries at the raw mail', 30_000);
            yield* target.open(rawKey);
          })();
      },
    });
  return all.map((deps) => ({ ...deps, store: gated(deps.store) }));
}

test('a mail that cannot be stored is kept aside, and two retries at once import it once', async () => {
  await t.db('categories').update({ is_active: false });
  const kept = await importMail(t, simpleMail({ from: 'nocat@example.org', messageId: '<nocat@example.org>' }));
  await t.db('categories').update({ is_active: true });
  expect(kept).toMatchObject({ outcome: 'kept_aside', reason: 'not_stored' });
  const other = secondProcess();
  try {
    const [mine, theirs] = meetingAtRawRead(2, t.services, other.services);
    const results = await Promise.all([
      retryInboundMail(mine!, kept.inboundId!),
      retryInboundMail(theirs!, kept.inboundId!),
    ]);
    // Both saw the mail still kept aside: one imports it, the other finds it handled.
    expect(results.map((r) => r.outcome).sort()).toEqual(['created', 'duplicate']);
  } finally {
    await other.close();
  }
  // A retry that comes after the import finds nothing kept aside (what staff see: not found).
  await expect(retryInboundMail(t.services, kept.inboundId!)).rejects.toMatchObject({ status: 404 });
  // Imported exactly once, as the database has it.
  expect(await count('messages', { email_message_id: '<nocat@example.org>' })).toBe(1);
  expect(await count('inbound_mails', { message_id_header: '<nocat@example.org>' })).toBe(1);
  expect(await t.db('inbound_mails').where({ id: kept.inboundId }).first('status', 'attempts')).toEqual({
    status: 'imported',
    attempts: 1,
  });
  const customer = await t.db('customers').where({ email: 'nocat@example.org' }).first('id');
  expect(await count('tickets', { customer_id: customer.id })).toBe(1);
  expect((await outbox(t)).filter((m) => m.to_address === 'nocat@example.org').length).toBe(1);
});

test('erasing a customer forgets the records of their mails and removes the raw copies', async () => {
  const actor = { id: 1, name: 'Ada Admin', ip: '127.0.0.1' };
  for (const [address, erase] of [
    ['erase1@example.org', (customerId: number) => anonymizeCustomer(t.services, actor, customerId)],
    ['erase2@example.org', (customerId: number) => deleteCustomer(t.services, actor, customerId)],
    [
      'erase3@example.org',
      async (customerId: number, ticketId: number) => anonymizeTicket(t.services, actor, customerId, ticketId),
    ],
  ] as const) {
    const result = await importMail(t, simpleMail({ from: address }));
    const row = await t.db('inbound_mails').where({ id: result.inboundId }).first('raw_key');
    const customerId = Number((await t.db('customers').where({ email: address }).first('id')).id);
    await erase(customerId, result.ticketId!);
    expect(
      await t.db('inbound_mails').where({ id: result.inboundId }).first('from_address', 'subject', 'raw_key'),
    ).toEqual({ from_address: null, subject: null, raw_key: null });
    expect(fs.existsSync(rawPath(row.raw_key))).toBe(false);
  }
});
