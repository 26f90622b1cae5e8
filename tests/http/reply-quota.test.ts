import fs from 'node:fs';
import path from 'node:path';
import type { Express } from 'express';
import pino from 'pino';
import request from 'supertest';
import { createI18n } from '../../src/i18n/i18n';
import { sweepLeftovers } from '../../src/jobs/cleanup';
import { createApp } from '../../src/web/app';
import { createServices } from '../../src/web/app-services';
import {
  adminCredentials,
  csrfFrom,
  signedInAgent,
  useInstalledApp,
  type InstalledApp,
} from '../helpers/installed-app';
import { openTicket, submitForm, validTicket } from '../helpers/portal';

let t: InstalledApp;
/** The same help desk behind a proxy that names the client (X-Forwarded-For), to be several addresses. */
let proxied: Express;
useInstalledApp((app) => (t = app), { freshRateLimits: true });
beforeAll(() => {
  const config = { ...t.config, server: { ...t.config.server, trustProxy: true } };
  proxied = createApp(
    createServices({ config, db: t.db, logger: pino({ level: 'silent' }), i18n: createI18n(), clock: t.clock }),
    {},
  );
});
const defaults = { 'spam.repliesPerHour': 20, 'attachments.quotaMbPerHour': 100, 'attachments.quotaFilesPerHour': 50 };
afterEach(async () => t.services.settings.save(defaults));

let ticketCount = 0;
async function newTicket(agent = request.agent(t.app)) {
  const email = `quota${++ticketCount}@example.net`;
  const tracking = await openTicket(t, agent, { email });
  return {
    agent,
    tracking,
    email,
    id: Number((await t.db('tickets').where({ tracking_id: tracking }).first('id')).id),
  };
}

/** A customer at one address (X-Forwarded-For through the proxied app) who has opened the ticket. */
async function customerAt(ip: string, ticket: { tracking: string; email: string }) {
  const agent = request.agent(proxied);
  const find = await agent.get('/helpdesk/tickets').set('X-Forwarded-For', ip).expect(200);
  await agent
    .post('/helpdesk/tickets')
    .set('X-Forwarded-For', ip)
    .type('form')
    .send({ _csrf: csrfFrom(find.text), tracking: ticket.tracking, email: ticket.email })
    .expect(303);
  return { agent, ip };
}

type File = { name: string; content: Buffer | string };
async function replyAs(agent: request.Agent, tracking: string, message: string, files: File[] = [], ip?: string) {
  const page = await agent
    .get(`/helpdesk/tickets/${tracking}`)
    .set('X-Forwarded-For', ip ?? '')
    .expect(200);
  let req = agent
    .post(`/helpdesk/tickets/${tracking}/reply?_csrf=${encodeURIComponent(csrfFrom(page.text))}`)
    .set('X-Forwarded-For', ip ?? '');
  req = req
    .field('submission_key', /name="submission_key" value="([a-f0-9]{32})"/.exec(page.text)![1]!)
    .field('message', message);
  for (const f of files)
    req = req.attach('attachments', Buffer.isBuffer(f.content) ? f.content : Buffer.from(f.content), f.name);
  return req;
}
/** The answer, which must have this status (the helpers are async: no supertest .expect on them). */
async function sent(res: Promise<request.Response>, status = 303) {
  const r = await res;
  expect(r.status).toBe(status);
  return r;
}
const customerMessages = (id: number) =>
  t
    .db('messages')
    .where({ ticket_id: id, kind: 'customer' })
    .count<{ n: number }[]>({ n: '*' })
    .then((r) => Number(r[0]!.n));
const text = (kb: number, fill: string) => Buffer.from(fill.repeat(kb * 1024));

test('replies per hour from one address: past the limit a clear 429 page keeps the text; other tickets from that address count too', async () => {
  await t.services.settings.save({ 'spam.repliesPerHour': 3 });
  const a = await newTicket();
  for (let i = 0; i < 2; i++) await sent(replyAs(a.agent, a.tracking, `Reply ${i}`));
  const b = await newTicket(a.agent);
  await sent(replyAs(a.agent, b.tracking, 'Third from this address'));
  const refused = await replyAs(a.agent, b.tracking, 'Fourth <b>kept</b>');
  expect(refused.status).toBe(429);
  expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
  expect(refused.text).toContain('You have sent many replies in a short time. Please wait about 60 minutes');
  expect(refused.text).toContain('>Fourth &lt;b&gt;kept&lt;/b&gt;</textarea>');
  expect(refused.text).toContain('href="#message"');
  expect(await customerMessages(a.id)).toBe(3);
  expect(await customerMessages(b.id)).toBe(2);
  // The hour passes: replies are taken again.
  t.clock.advance(3600_000);
  await sent(replyAs(a.agent, b.tracking, 'After the hour'));
  expect(await customerMessages(b.id)).toBe(3);
});

test('replies per hour to one ticket count every address together', async () => {
  await t.services.settings.save({ 'spam.repliesPerHour': 2 });
  const ticket = await newTicket();
  const one = await customerAt('203.0.113.10', ticket);
  const two = await customerAt('203.0.113.20', ticket);
  const three = await customerAt('203.0.113.30', ticket);
  await sent(replyAs(one.agent, ticket.tracking, 'From one', [], one.ip));
  await sent(replyAs(two.agent, ticket.tracking, 'From two', [], two.ip));
  expect((await replyAs(three.agent, ticket.tracking, 'From three', [], three.ip)).status).toBe(429);
  expect(await customerMessages(ticket.id)).toBe(3);
});

test('uploads per hour: megabytes and files, per address and per ticket; a refused upload stores nothing and keeps the text', async () => {
  await t.services.settings.save({ 'attachments.quotaMbPerHour': 1, 'attachments.quotaFilesPerHour': 4 });
  const a = await newTicket();
  await sent(replyAs(a.agent, a.tracking, 'First file', [{ name: 'one.txt', content: text(600, 'a') }]));
  const tooBig = await replyAs(a.agent, a.tracking, 'Second file', [{ name: 'two.txt', content: text(600, 'b') }]);
  expect(tooBig.status).toBe(429);
  expect(tooBig.text).toContain('You have uploaded many files in a short time');
  expect(tooBig.text).toContain('>Second file</textarea>');
  expect(tooBig.text).toContain('href="#attachments"');
  expect(
    await t
      .db('attachments')
      .where({ ticket_id: a.id })
      .count<{ n: number }[]>({ n: '*' })
      .then((r) => Number(r[0]!.n)),
  ).toBe(1);
  expect(await customerMessages(a.id)).toBe(2);
  // A reply without files still goes through.
  await sent(replyAs(a.agent, a.tracking, 'Without the file'));

  // Per ticket, from several addresses: the megabytes of the ticket run out although each address sent little.
  const shared = await newTicket();
  const one = await customerAt('198.51.100.1', shared);
  const two = await customerAt('198.51.100.2', shared);
  await sent(replyAs(one.agent, shared.tracking, 'half', [{ name: 'h1.txt', content: text(700, 'c') }], one.ip));
  expect(
    (await replyAs(two.agent, shared.tracking, 'other half', [{ name: 'h2.txt', content: text(700, 'd') }], two.ip))
      .status,
  ).toBe(429);

  // Files per hour: many small files from one address.
  t.clock.advance(3600_000);
  const c = await customerAt('198.51.100.3', await newTicket());
  const small = (n: number) =>
    Array.from({ length: n }, (_, i) => ({ name: `s${i}.txt`, content: `small ${n} ${i}\n` }));
  const cTracking = (await t.db('tickets').orderBy('id', 'desc').first('tracking_id')).tracking_id as string;
  await sent(replyAs(c.agent, cTracking, 'four files', small(4), c.ip));
  expect((await replyAs(c.agent, cTracking, 'one more', small(1), c.ip)).status).toBe(429);
});

test('the new ticket form counts its files against the address quota: 429 with the values kept', async () => {
  await t.services.settings.save({ 'attachments.quotaMbPerHour': 1 });
  const agent = request.agent(t.app);
  await sent(
    submitForm(t, agent, { ...validTicket, email: 'bulk1@example.net' }, [
      { name: 'big.txt', content: text(700, 'e') },
    ]),
  );
  const refused = await submitForm(
    t,
    agent,
    { ...validTicket, email: 'bulk2@example.net', subject: 'Kept <subject>' },
    [{ name: 'big2.txt', content: text(700, 'f') }],
  );
  expect(refused.status).toBe(429);
  expect(refused.text).toContain('You have uploaded many files in a short time');
  expect(refused.text).toContain('value="Kept &lt;subject&gt;"');
  expect(await t.db('tickets').where({ subject: 'Kept <subject>' }).first()).toBeUndefined();
});

/** Every file in the attachment store (not the incoming folder). */
function filesOnDisk(): string[] {
  const root = t.config.paths.attachments;
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      if (e.name === '.incoming') continue;
      if (e.isDirectory()) walk(path.join(dir, e.name));
      else out.push(e.name);
    }
  };
  walk(root);
  return out;
}

test('identical files are stored once; deleting one ticket keeps the file the other still uses, deleting both removes it', async () => {
  const content = `the same manual ${Date.now()}\n`.repeat(200);
  const before = filesOnDisk().length;
  const a = await newTicket();
  const b = await newTicket();
  await sent(replyAs(a.agent, a.tracking, 'manual', [{ name: 'manual.txt', content }]));
  await sent(replyAs(b.agent, b.tracking, 'same manual, other name', [{ name: 'copy of manual.txt', content }]));
  // Twice in one message, too.
  await sent(
    replyAs(b.agent, b.tracking, 'twice', [
      { name: 'x.txt', content },
      { name: 'y.txt', content },
    ]),
  );
  const rows = await t
    .db('attachments')
    .whereIn('ticket_id', [a.id, b.id])
    .orderBy('id')
    .select('ticket_id', 'storage_key', 'file_name');
  expect(rows.map((r: { file_name: string }) => r.file_name)).toEqual([
    'manual.txt',
    'copy of manual.txt',
    'x.txt',
    'y.txt',
  ]);
  expect(new Set(rows.map((r: { storage_key: string }) => r.storage_key)).size).toBe(1);
  expect(filesOnDisk().length).toBe(before + 1);
  const key = rows[0]!.storage_key as string;

  // Each ticket downloads it under its own name.
  const attachmentId = (
    await t.db('attachments').where({ ticket_id: b.id, file_name: 'copy of manual.txt' }).first('id')
  ).id;
  const download = await b.agent.get(`/helpdesk/tickets/${b.tracking}/attachments/${attachmentId}`).expect(200);
  expect(download.headers['content-disposition']).toContain('copy of manual.txt');
  expect(download.text).toBe(content);

  const admin = await signedInAgent(t, adminCredentials);
  const remove = async (id: number) => {
    const page = (await admin.get(`/admin/tickets/${id}`).expect(200)).text;
    await admin
      .post(`/admin/tickets/${id}/delete`)
      .type('form')
      .send({ _csrf: csrfFrom(page), confirm: 'yes' })
      .expect(303);
  };
  await remove(a.id);
  expect(filesOnDisk()).toContain(key);
  await b.agent.get(`/helpdesk/tickets/${b.tracking}/attachments/${attachmentId}`).expect(200);
  await remove(b.id);
  expect(filesOnDisk()).not.toContain(key);
  expect(await t.db('attachment_blobs').where({ storage_key: key }).first()).toBeUndefined();
});

test('anonymizing a customer keeps a file another customer attached too; the cleanup job releases a blob left without rows', async () => {
  const content = `shared brochure ${Date.now()}\n`.repeat(100);
  const a = await newTicket();
  const b = await newTicket();
  await sent(replyAs(a.agent, a.tracking, 'brochure', [{ name: 'brochure.txt', content }]));
  await sent(replyAs(b.agent, b.tracking, 'brochure', [{ name: 'brochure.txt', content }]));
  const key = (await t.db('attachments').where({ ticket_id: a.id }).first('storage_key')).storage_key as string;
  const admin = await signedInAgent(t, adminCredentials);
  const customerId = (await t.db('tickets').where({ id: a.id }).first('customer_id')).customer_id;
  const page = (await admin.get(`/admin/customers/${customerId}`).expect(200)).text;
  await admin
    .post(`/admin/customers/${customerId}/anonymize`)
    .type('form')
    .send({ _csrf: csrfFrom(page), confirm: 'yes' })
    .expect(303);
  expect(await t.db('attachments').where({ ticket_id: a.id }).first()).toBeUndefined();
  expect(filesOnDisk()).toContain(key);

  // A process that stopped after deleting the rows but before releasing the blob: the sweep does it.
  await t.db('attachments').where({ ticket_id: b.id }).del();
  await sweepLeftovers(t.services);
  expect(filesOnDisk()).toContain(key);
  t.clock.advance(2 * 3600_000);
  expect((await sweepLeftovers(t.services)).blobs).toBeGreaterThanOrEqual(1);
  expect(filesOnDisk()).not.toContain(key);
});
