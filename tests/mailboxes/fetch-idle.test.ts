import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import type { Knex } from 'knex';
import { systemClock } from '../../src/clock';
import { createKnex } from '../../src/db/knex-factory';
import { createI18n } from '../../src/i18n/i18n';
import { fetchDepsOf, startListening } from '../../src/jobs/job-runner';
import { jittered, startMailListener, type ListenPolicy, type MailListener } from '../../src/jobs/mail-listen';
import { deleteMailbox, findMailbox, updateMailbox, type MailboxValues } from '../../src/mailboxes/mailboxes.repo';
import { createServices, type Services } from '../../src/web/app-services';
import { describeWithDovecot, type DovecotServer } from '../helpers/dovecot';
import type { InstalledApp } from '../helpers/installed-app';
import { addDovecotMailbox, customerMail, mailboxValues, useDovecotMailboxes } from '../helpers/mailbox-fixtures';
import { startDbProxy } from '../helpers/db-proxy';
import { testPool } from '../helpers/test-db';
import { waitFor, within } from '../helpers/wait-for';

jest.setTimeout(120_000);

/** Fast checks and reconnects, so the tests wait for seconds, not minutes. */
const quick = { checkEveryMs: 200, firstBackoffMs: 100, maxBackoffMs: 500, busyRetryMs: 100 };

/** Every wait of this file has a deadline: a server, listener or proxy that never answers fails the test. */
const bounded = <T>(work: Promise<T>, what: string) => within(work, what, 30_000);

/**
 * A check that began after the test changed something: check() joins a check already under way
 * (the timer's, maybe begun before the change), so once that one is over, one more.
 */
async function checkAfterChange(listener: MailListener): Promise<void> {
  await bounded(listener.check(), 'a check under way');
  await bounded(listener.check(), 'a check after the change');
}

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
    for (const l of listeners.splice(0)) await bounded(l.stop(), 'the listener stopped');
  });

  const listen = (services: Services = t.services, policy: Partial<ListenPolicy> = {}) => {
    const l = startListening(services, { ...quick, ...policy })!;
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
    await bounded(dc.stop(), 'dovecot stopped');
    await waitFor(async () => !(await listening(id)), 'the connection seen lost', 20_000);
    expect((await row(id)).listened_by).not.toBeNull(); // still this process's to reconnect
    await bounded(dc.start(), 'dovecot started');
    await waitFor(() => listening(id), 'the IDLE connection is up again', 30_000);
    dc.deliver(customerMail({ n: 'idle3', subject: 'After the restart' }));
    await waitFor(async () => (await ticketCount('After the restart')) === 1, 'the ticket', 20_000);
  });

  test('switching a mailbox off, saving it and deleting it close its connection', async () => {
    const id = await addDovecotMailbox(t, dc);
    const listener = listen();
    await waitFor(() => listening(id), 'the IDLE connection is up', 20_000);
    const values = (over: Partial<MailboxValues>): MailboxValues =>
      mailboxValues({ name: 'Edited', host: dc.host, port: dc.imapPort, security: 'none', username: dc.user, ...over });

    const firstSince = (await row(id)).listening_since;
    t.clock.advance(1000);
    await updateMailbox(t.db, id, values({ name: 'Renamed' }), undefined, false, t.clock.now());
    // A new connection: listening again, since a later time than the first one.
    await waitFor(
      async () => (await row(id)).listening_since === t.clock.now(),
      'listening again with the saved settings',
      20_000,
    );
    expect(t.clock.now()).toBeGreaterThan(firstSince!);

    await updateMailbox(t.db, id, values({ active: false }), undefined, false, t.clock.now());
    await waitFor(() => listener.held().length === 0, 'the switched-off mailbox dropped', 20_000);
    expect(await row(id)).toMatchObject({ listened_by: null, listening_since: null });
    dc.deliver(customerMail({ n: 'idle4', subject: 'While switched off' }));

    await updateMailbox(t.db, id, values({ active: true }), undefined, false, t.clock.now());
    await waitFor(() => listening(id), 'listening again once switched on', 20_000);
    await waitFor(
      async () => (await ticketCount('While switched off')) === 1,
      'the waiting mail fetched at once',
      20_000,
    );

    await deleteMailbox(t.db, id, t.clock.now());
    await waitFor(() => listener.held().length === 0, 'the deleted mailbox dropped', 20_000);
  });

  test('two processes: only one listens; when it stops, the other takes over', async () => {
    const id = await addDovecotMailbox(t, dc);
    const other = createKnex(t.config.database, t.config.paths.data, testPool);
    try {
      const a = listen();
      await waitFor(() => listening(id), 'the IDLE connection is up', 20_000);
      const b = listen(
        createServices({
          config: t.config,
          db: other,
          logger: pino({ level: 'silent' }),
          i18n: createI18n(),
          clock: systemClock,
        }),
      );
      await bounded(b.check(), 'a check of the other process');
      await bounded(b.check(), 'a check of the other process');
      expect(a.held()).toEqual([id]);
      expect(b.held()).toEqual([]);
      await bounded(a.stop(), 'the first listener stopped');
      expect((await row(id)).listened_by).toBeNull(); // given back at shutdown, not left to run out
      await waitFor(() => b.held().length === 1, 'the other process listening', 20_000);
      await waitFor(() => listening(id), 'its IDLE connection up', 20_000);
      dc.deliver(customerMail({ n: 'idle5', subject: 'Heard by the second process' }));
      await waitFor(async () => (await ticketCount('Heard by the second process')) === 1, 'the ticket', 20_000);
      await bounded(b.stop(), 'the other listener stopped');
    } finally {
      await bounded(other.destroy(), 'the other pool closed');
    }
  });

  test('a server that is gone is tried again less and less often, not in a storm', async () => {
    const id = await addDovecotMailbox(t, dc);
    const listener = listen(t.services, { firstBackoffMs: 200, maxBackoffMs: 1_600 });
    await waitFor(() => listening(id), 'the IDLE connection is up', 20_000);
    await bounded(dc.stop(), 'dovecot stopped');
    try {
      await waitFor(() => listener.reconnects(id) >= 1, 'the connection seen lost', 20_000);
      const started = performance.now();
      await waitFor(() => listener.reconnects(id) >= 5, 'four more tries', 30_000);
      // Waits of at least half of 200, 400, 800 and 1,600 ms; without backoff it tries every 200 ms.
      expect(performance.now() - started).toBeGreaterThanOrEqual(100 + 200 + 400 + 800);
    } finally {
      await bounded(dc.start(), 'dovecot started');
    }
    await waitFor(() => listening(id), 'listening again once the server is back', 30_000);
  });

  test('a server that drops every connection as soon as it listens is not hammered: the waits grow', async () => {
    const proxy = await startDbProxy({ host: dc.host, port: dc.imapPort });
    try {
      const id = await addDovecotMailbox(t, dc, { host: proxy.host, port: proxy.port });
      const listener = listen(t.services, { firstBackoffMs: 200, maxBackoffMs: 3_200 });
      for (let cut = 1; cut <= 5; cut++) {
        await waitFor(() => listening(id), `listening before cut ${cut}`, 30_000);
        proxy.setMode('refuse'); // cuts the open connections
        proxy.setMode('pass');
        await waitFor(() => listener.reconnects(id) >= cut, `the connection seen lost after cut ${cut}`, 30_000);
      }
      // Each connection reached IDLE, yet none stayed up for a healthy period: the fifth wait is
      // at least half of 3,200 ms (a listener that counted "it listened" as healthy waits 200 ms).
      const started = performance.now();
      await waitFor(() => listening(id), 'listening after the fifth cut', 30_000);
      expect(performance.now() - started).toBeGreaterThanOrEqual(1_600);
    } finally {
      await bounded(proxy.close(), 'the proxy closed');
    }
  });

  test('a lease taken over by another process ends the listening at the next check', async () => {
    const id = await addDovecotMailbox(t, dc);
    const listener = listen();
    await waitFor(() => listening(id), 'the IDLE connection is up', 20_000);
    await t
      .db('mailboxes')
      .where({ id })
      .update({ listened_by: 'listen-elsewhere', listen_until: t.clock.now() + 60_000 });
    await checkAfterChange(listener);
    expect(listener.held()).toEqual([]);
    expect(await row(id)).toMatchObject({ listened_by: 'listen-elsewhere' }); // not given back: it is not ours
  });

  test('a renewal the database did not confirm (the UPDATE failed) ends the listening; it comes back once the database answers', async () => {
    const id = await addDovecotMailbox(t, dc);
    let failing = false;
    // The app's database, with every lease renewal failing while `failing` is on.
    const db = new Proxy(t.db, {
      apply(target, thisArg, args: unknown[]) {
        const qb = Reflect.apply(target, thisArg, args) as Knex.QueryBuilder;
        if (failing && args[0] === 'mailboxes') {
          const update = qb.update.bind(qb) as (...a: unknown[]) => unknown;
          (qb as unknown as { update: (...a: unknown[]) => unknown }).update = (...a: unknown[]) => {
            const values = a[0] as Record<string, unknown> | undefined;
            return values && typeof values.listen_until === 'number'
              ? Promise.reject(new Error('the database went away'))
              : update(...a);
          };
        }
        return qb;
      },
    }) as Knex;
    const listener = startMailListener(fetchDepsOf({ ...t.services, db }), quick);
    listeners.push(listener);
    await waitFor(() => listening(id), 'the IDLE connection is up', 20_000);
    failing = true;
    await checkAfterChange(listener);
    expect(listener.held()).toEqual([]);
    failing = false;
    await waitFor(() => listener.held().length === 1, 'listening again', 20_000);
  });

  test("a mailbox saved while its old connection is still closing keeps the new connection's lease (no reconnect cycle)", async () => {
    const id = await addDovecotMailbox(t, dc);
    let slowClose = false;
    // The app's database, with "the connection is down" taking 1.5 s while `slowClose` is on: the
    // old connection is still closing when the next check claims the mailbox again.
    const db = new Proxy(t.db, {
      apply(target, thisArg, args: unknown[]) {
        const qb = Reflect.apply(target, thisArg, args) as Knex.QueryBuilder;
        if (slowClose && args[0] === 'mailboxes') {
          const update = qb.update.bind(qb) as (...a: unknown[]) => unknown;
          (qb as unknown as { update: (...a: unknown[]) => unknown }).update = (...a: unknown[]) => {
            const values = a[0] as Record<string, unknown> | undefined;
            const down = values && Object.keys(values).length === 1 && values.listening_since === null;
            return down ? new Promise((resolve) => setTimeout(resolve, 1_500)).then(() => update(...a)) : update(...a);
          };
        }
        return qb;
      },
    }) as Knex;
    // Checks only when the test asks: the order of events is the test's.
    const listener = startMailListener(fetchDepsOf({ ...t.services, db }), { ...quick, checkEveryMs: 3_600_000 });
    listeners.push(listener);
    await bounded(listener.check(), 'a check');
    await waitFor(() => listening(id), 'the IDLE connection is up', 20_000);
    const first = (await row(id)).listened_by;

    slowClose = true;
    await updateMailbox(
      t.db,
      id,
      mailboxValues({ name: 'Saved', host: dc.host, port: dc.imapPort, security: 'none', username: dc.user }),
      undefined,
      false,
      t.clock.now(),
    );
    // One check: the renewal fails, the old connection starts closing, and the freed mailbox is
    // claimed again at once, while the old one is still closing.
    await bounded(listener.check(), 'a check');
    expect(listener.held()).toEqual([id]);
    const second = (await row(id)).listened_by;
    expect(second).not.toBeNull();
    expect(second).not.toBe(first);

    // The old connection finishes closing and gives back ITS lease only.
    await sleep(2_500);
    slowClose = false;
    await waitFor(() => listening(id), 'the new IDLE connection is up', 20_000);
    for (let i = 0; i < 3; i++) await bounded(listener.check(), 'a check');
    expect(listener.held()).toEqual([id]);
    expect(listener.reconnects(id)).toBe(0);
    expect(await row(id)).toMatchObject({ listened_by: second });
    expect((await row(id)).listening_since).not.toBeNull();
  });

  test('POP3 mailboxes are not listened to', async () => {
    await addDovecotMailbox(t, dc, { protocol: 'pop3' });
    const listener = listen();
    await bounded(listener.check(), 'a check');
    expect(listener.held()).toEqual([]);
  });
});

describeWithDovecot('an IMAP server without IDLE', () => {
  let t: InstalledApp;
  let dc: DovecotServer;
  useDovecotMailboxes((app, server) => ((t = app), (dc = server)), {
    extraConfig: 'imap_capability = IMAP4rev1 LITERAL+ SASL-IR ID ENABLE UNSELECT UIDPLUS MOVE NAMESPACE',
  });

  test('is marked as polled only, until its settings are saved', async () => {
    const id = await addDovecotMailbox(t, dc);
    const listener = startListening(t.services, quick)!;
    try {
      await waitFor(async () => (await findMailbox(t.db, id))!.idle_missing, 'IDLE found missing', 20_000);
      // The database may say so before this process has taken in its own answer (the mark's reply
      // and this read race on two connections), and the lease goes back beside the checks: wait
      // for the listener to let go, then see that the next check does not take the mailbox again.
      await waitFor(
        async () => (await bounded(listener.check(), 'a check'), listener.held().length === 0),
        'the mailbox without IDLE let go',
        20_000,
      );
      await bounded(listener.check(), 'a check');
      expect(listener.held()).toEqual([]);
    } finally {
      await bounded(listener.stop(), 'the listener stopped');
    }
    expect(await findMailbox(t.db, id)).toMatchObject({ listened_by: null, listening_since: null });
    const box = (await findMailbox(t.db, id))!;
    await updateMailbox(
      t.db,
      id,
      {
        name: 'Saved',
        protocol: 'imap',
        host: box.host,
        port: box.port,
        security: 'none',
        username: box.username,
        address: null,
        folder: 'INBOX',
        afterImport: 'keep',
        moveTo: null,
        categoryId: null,
        priorityId: null,
        active: true,
      },
      undefined,
      false,
      t.clock.now(),
    );
    expect((await findMailbox(t.db, id))!.idle_missing).toBe(false); // asked again: the server may have changed
  });
});

test('a reconnect waits between half and all of its step', () => {
  expect(jittered(1_000, () => 0)).toBe(500);
  expect(jittered(1_000, () => 0.999_999)).toBe(1_000);
  for (let i = 0; i < 100; i++) {
    const ms = jittered(8_000);
    expect(ms).toBeGreaterThanOrEqual(4_000);
    expect(ms).toBeLessThanOrEqual(8_000);
  }
});
