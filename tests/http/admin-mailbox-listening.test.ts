import type request from 'supertest';
import { insertMailbox, type MailboxValues } from '../../src/mailboxes/mailboxes.repo';
import {
  adminCredentials,
  csrfFrom,
  signedInAgent,
  useInstalledApp,
  type InstalledApp,
} from '../helpers/installed-app';
import { mailboxValues } from '../helpers/mailbox-fixtures';

/**
 * /admin/mailboxes says how each mailbox is read (listening with IDLE, or polled) from the
 * database, whichever process listens, and says plainly when customers are not invited to
 * answer by e-mail.
 */
let t: InstalledApp;
useInstalledApp((a) => (t = a), { freshRateLimits: true });

let admin: request.Agent;
beforeAll(async () => {
  admin = await signedInAgent(t, adminCredentials);
});
beforeEach(async () => {
  await t.db('mailboxes').del();
});

const add = async (over: Partial<MailboxValues>, columns: Record<string, unknown> = {}) => {
  const id = await insertMailbox(t.db, mailboxValues(over), null, t.clock.now());
  if (Object.keys(columns).length) await t.db('mailboxes').where({ id }).update(columns);
  return id;
};
const readingOf = (html: string, name: string) => {
  const row = html.split('<tr>').find((r) => r.includes(`>${name}</a>`));
  return /data-reading="([a-z_]+)"[^>]*>([^<]*)</.exec(row ?? '')?.slice(1) ?? null;
};

test('listening, polled, no IDLE on the server, a lease run out, POP3 and switched off', async () => {
  const now = t.clock.now();
  await add(
    { name: 'Listening' },
    { listened_by: 'listen-1', listen_until: now + 60_000, listening_since: now - 5_000 },
  );
  await add({ name: 'Connecting' }, { listened_by: 'listen-1', listen_until: now + 60_000, listening_since: null });
  await add(
    { name: 'Gone process' },
    { listened_by: 'listen-2', listen_until: now - 1, listening_since: now - 120_000 },
  );
  await add({ name: 'Without IDLE' }, { idle_missing: true });
  await add({ name: 'Pop', protocol: 'pop3', port: 995, afterImport: 'keep' });
  await add({ name: 'Off', active: false });
  const html = (await admin.get('/admin/mailboxes').expect(200)).text;
  expect(readingOf(html, 'Listening')).toEqual(['idle', 'Listening (IDLE): new mail within seconds']);
  expect(readingOf(html, 'Connecting')).toEqual(['polled', 'Checked every 30 s']);
  expect(readingOf(html, 'Gone process')).toEqual(['polled', 'Checked every 30 s']);
  expect(readingOf(html, 'Without IDLE')).toEqual(['no_idle', 'Checked every 30 s: the server does not offer IDLE']);
  expect(readingOf(html, 'Pop')).toEqual(['polled', 'Checked every 30 s']);
  expect(readingOf(html, 'Off')).toBeNull();
  const sk = (await admin.get('/admin/mailboxes?lang=sk').expect(200)).text;
  expect(readingOf(sk, 'Listening')?.[1]).toBe('Načúva (IDLE): nová pošta do niekoľkých sekúnd');
  await admin.get('/admin/mailboxes?lang=en').expect(200);
});

test('saving a mailbox on the form drops its listening lease, so the listener reconnects with the new settings', async () => {
  const now = t.clock.now();
  const id = await add(
    { name: 'Held' },
    { listened_by: 'listen-1', listen_until: now + 60_000, listening_since: now, idle_missing: true },
  );
  const token = csrfFrom((await admin.get(`/admin/mailboxes/${id}`).expect(200)).text);
  await admin
    .post(`/admin/mailboxes/${id}`)
    .type('form')
    .send({
      _csrf: token,
      intent: 'save',
      name: 'Held',
      protocol: 'imap',
      host: 'imap.example.test',
      port: '993',
      security: 'tls',
      username: 'support@example.test',
      password: 'a new secret',
      address: '',
      folder: 'INBOX',
      after_import: 'mark_seen',
      move_to: '',
      category_id: '',
      priority_id: '',
      active: '1',
    })
    .expect(303);
  expect(await t.db('mailboxes').where({ id }).first()).toMatchObject({
    listened_by: null,
    listen_until: null,
    listening_since: null,
  });
  expect(Boolean((await t.db('mailboxes').where({ id }).first()).idle_missing)).toBe(false);
});

test('while "Customers can answer by e-mail" is off, the page says so and links to the setting', async () => {
  await t.services.settings.save({ 'mail.inboundReplies': false });
  const off = (await admin.get('/admin/mailboxes').expect(200)).text;
  expect(off).toContain('id="replies-off"');
  expect(off).toContain('Customers are not invited to answer by e-mail');
  expect(off).toContain('The setting “Customers can answer by e-mail” is off');
  expect(off).toContain('href="/admin/settings/sending#mail-inboundReplies"');
  const settings = (await admin.get('/admin/settings/sending').expect(200)).text;
  expect(settings).toContain('id="mail-inboundReplies"');
  const lv = (await admin.get('/admin/mailboxes?lang=lv').expect(200)).text;
  expect(lv).toContain('Iestatījums „Klienti var atbildēt pa e-pastu” ir izslēgts');
  await admin.get('/admin/mailboxes?lang=en').expect(200);

  await t.services.settings.save({ 'mail.inboundReplies': true });
  const on = (await admin.get('/admin/mailboxes').expect(200)).text;
  expect(on).not.toContain('id="replies-off"');
  await t.services.settings.save({ 'mail.inboundReplies': false });
});
