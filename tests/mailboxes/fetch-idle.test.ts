import pino from 'pino';
import { systemClock } from '../../src/clock';
import { createKnex } from '../../src/db/knex-factory';
import { createI18n } from '../../src/i18n/i18n';
import { startListening } from '../../src/jobs/job-runner';
import type { MailListener } from '../../src/jobs/mail-listen';
import { deleteMailbox, findMailbox, updateMailbox, type MailboxValues } from '../../src/mailboxes/mailboxes.repo';
import { createServices, type Services } from '../../src/web/app-services';
import { describeWithDovecot, type DovecotServer } from '../helpers/dovecot';
import type { InstalledApp } from '../helpers/installed-app';
import { addDovecotMailbox, customerMail, useDovecotMailboxes } from '../helpers/mailbox-fixtures';
import { testPool } from '../helpers/test-db';
import { waitFor } from '../helpers/wait-for';

jest.setTimeout(120_000);

/** Fast checks and reconnects, so the tests wait for seconds, not minutes. */
const quick = { checkEveryMs: 200, firstBackoffMs: 100, maxBackoffMs: 500, busyRetryMs: 100 };

/**
 * IMAP IDLE against a real Dovecot: the test clock never moves, so the poll (due 30 s after a
 * run) never comes; a mail that becomes a ticket came through the IDLE connection.
 */
describeWithDovecot('listening to IMAP mailboxes (IDLE)', () => {
  let t: InstalledApp;
  let dc: DovecotServer;
  const listeners: MailListener[] = [];
  useDovecotMailboxes((app, server) => ((t = app), (dc = server)));
  afterEach(async () => {
    for (const l of listeners.splice(0)) await l.stop();
  });

  const listen = (services: Services = t.services) => {
    const l = startListening(services, quick)!;
    listeners.push(l);
    return l;
  };
  const row = async (id: number) => (await findMailbox(t.db, id))!;
  const listening = async (id: number) => (await row(id)).listening_since !== null;
  const ticketCount = async (subject: string) => (await t.db('tickets').where({ subject }).select('id')).length;

  test('a new mail becomes a ticket within seconds, without waiting for the poll', async () => {
    const id = await addDovecotMailbox(t, dc, { afterImport: 'mark_seen' });
    const listener = listen();
    await waitFor(() => listening(id), 'the IDLE connection is up', 20_000);
    expect(listener.held()).toEqual([id]);
    await waitFor(async () => (await row(id)).last_fetch_at !== null, 'the catch-up fetch after connecting');
    expect((await row(id)).next_fetch_at).toBeGreaterThan(t.clock.now()); // the poll is not due
    dc.deliver(customerMail({ n: 'idle1', subject: 'Heard through IDLE' }));
    await waitFor(async () => (await ticketCount('Heard through IDLE')) === 1, 'the ticket', 20_000);
    await waitFor(() => dc.files().every((f) => /:2,[A-Z]*S/.test(f)), 'the message marked read');
    // A second mail on the same connection, and nothing twice.
    dc.deliver(customerMail({ n: 'idle2', subject: 'Heard again' }));
    await waitFor(async () => (await ticketCount('Heard again')) === 1, 'the second ticket', 20_000);
    expect(await ticketCount('Heard through IDLE')).toBe(1);
  });

  test('the server goes away and comes back: the listener connects again and hears new mail', async () => {
    const id = await addDovecotMailbox(t, dc);
    listen();
    await waitFor(() => listening(id), 'the IDLE connection is up', 20_000);
    await dc.stop();
    await waitFor(async () => !(await listening(id)), 'the connection seen lost', 20_000);
    expect((await row(id)).listened_by).not.toBeNull(); // still this process's to reconnect
    await dc.start();
    await waitFor(() => listening(id), 'the IDLE connection is up again', 30_000);
    dc.deliver(customerMail({ n: 'idle3', subject: 'After the restart' }));
    await waitFor(async () => (await ticketCount('After the restart')) === 1, 'the ticket', 20_000);
  });

  test('switching a mailbox off, saving it and deleting it close its connection', async () => {
    const id = await addDovecotMailbox(t, dc);
    const listener = listen();
    await waitFor(() => listening(id), 'the IDLE connection is up', 20_000);
    const values = (over: Partial<MailboxValues>): MailboxValues => ({ name: 'Edited', protocol: 'imap', host: dc.host, port: dc.imapPort, security: 'none', username: dc.user, address: null, folder: 'INBOX', afterImport: 'mark_seen', moveTo: null, categoryId: null, priorityId: null, active: true, ...over });

    const firstSince = (await row(id)).listening_since;
    t.clock.advance(1000);
    await updateMailbox(t.db, id, values({ name: 'Renamed' }), undefined, false, t.clock.now());
    // A new connection: listening again, since a later time than the first one.
    await waitFor(async () => (await row(id)).listening_since === t.clock.now(), 'listening again with the saved settings', 20_000);
    expect(t.clock.now()).toBeGreaterThan(firstSince!);

    await updateMailbox(t.db, id, values({ active: false }), undefined, false, t.clock.now());
    await waitFor(() => listener.held().length === 0, 'the switched-off mailbox dropped', 20_000);
    expect(await row(id)).toMatchObject({ listened_by: null, listening_since: null });
    dc.deliver(customerMail({ n: 'idle4', subject: 'While switched off' }));

    await updateMailbox(t.db, id, values({ active: true }), undefined, false, t.clock.now());
    await waitFor(() => listening(id), 'listening again once switched on', 20_000);
    await waitFor(async () => (await ticketCount('While switched off')) === 1, 'the waiting mail fetched at once', 20_000);

    await deleteMailbox(t.db, id);
    await waitFor(() => listener.held().length === 0, 'the deleted mailbox dropped', 20_000);
  });

  test('two processes: only one listens; when it stops, the other takes over', async () => {
    const id = await addDovecotMailbox(t, dc);
    const other = createKnex(t.config.database, t.config.paths.data, testPool);
    try {
      const a = listen();
      await waitFor(() => listening(id), 'the IDLE connection is up', 20_000);
      const b = listen(createServices({ config: t.config, db: other, logger: pino({ level: 'silent' }), i18n: createI18n(), clock: systemClock }));
      await b.check();
      await b.check();
      expect(a.held()).toEqual([id]);
      expect(b.held()).toEqual([]);
      await a.stop();
      expect((await row(id)).listened_by).toBeNull(); // given back at shutdown, not left to run out
      await waitFor(() => b.held().length === 1, 'the other process listening', 20_000);
      await waitFor(() => listening(id), 'its IDLE connection up', 20_000);
      dc.deliver(customerMail({ n: 'idle5', subject: 'Heard by the second process' }));
      await waitFor(async () => (await ticketCount('Heard by the second process')) === 1, 'the ticket', 20_000);
      await b.stop();
    } finally {
      await other.destroy();
    }
  });

  test('POP3 mailboxes are not listened to', async () => {
    await addDovecotMailbox(t, dc, { protocol: 'pop3' });
    const listener = listen();
    await listener.check();
    expect(listener.held()).toEqual([]);
  });
});

describeWithDovecot('an IMAP server without IDLE', () => {
  let t: InstalledApp;
  let dc: DovecotServer;
  useDovecotMailboxes((app, server) => ((t = app), (dc = server)), { extraConfig: 'imap_capability = IMAP4rev1 LITERAL+ SASL-IR ID ENABLE UNSELECT UIDPLUS MOVE NAMESPACE' });

  test('is marked as polled only, until its settings are saved', async () => {
    const id = await addDovecotMailbox(t, dc);
    const listener = startListening(t.services, quick)!;
    try {
      await waitFor(async () => (await findMailbox(t.db, id))!.idle_missing, 'IDLE found missing', 20_000);
      await listener.check();
      expect(listener.held()).toEqual([]);
      expect(await findMailbox(t.db, id)).toMatchObject({ listened_by: null, listening_since: null });
    } finally {
      await listener.stop();
    }
    const box = (await findMailbox(t.db, id))!;
    await updateMailbox(t.db, id, { name: 'Saved', protocol: 'imap', host: box.host, port: box.port, security: 'none', username: box.username, address: null, folder: 'INBOX', afterImport: 'keep', moveTo: null, categoryId: null, priorityId: null, active: true }, undefined, false, t.clock.now());
    expect((await findMailbox(t.db, id))!.idle_missing).toBe(false); // asked again: the server may have changed
  });
});
