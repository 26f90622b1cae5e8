import { fetchDepsOf } from '../../src/jobs/job-runner';
import { fetchDueMailboxes, fetchMailboxNow, fetchPolicy } from '../../src/jobs/mail-fetch';
import { startDbProxy } from '../helpers/db-proxy';
import { waitFor } from '../helpers/wait-for';
import { importRawMail } from '../../src/mail-intake/intake.service';
import { describeWithDovecot, type DovecotServer } from '../helpers/dovecot';
import type { InstalledApp } from '../helpers/installed-app';
import {
  addDovecotMailbox,
  customerMail,
  countTickets,
  runWhenDue,
  useDovecotMailboxes,
  withImap,
} from '../helpers/mailbox-fixtures';

/**
 * Fetching from a real IMAP server (Dovecot on loopback) through the real import: new tickets,
 * replies, what happens to the message on the server, and nothing imported twice.
 */
describeWithDovecot('fetching mail over IMAP', () => {
  let t: InstalledApp;
  let dc: DovecotServer;
  useDovecotMailboxes((app, server) => ((t = app), (dc = server)));

  const tickets = () => countTickets(t);
  const box = async (id: number) => t.db('mailboxes').where({ id }).first();
  const run = () => runWhenDue(t);

  test('a new mail becomes a ticket with the mailbox category and priority; it is marked read only after', async () => {
    const category = await t.db('categories').orderBy('id', 'desc').first('id');
    const priority = await t.db('priorities').where({ key: 'high' }).first('id');
    const id = await addDovecotMailbox(t, dc, {
      afterImport: 'mark_seen',
      categoryId: Number(category.id),
      priorityId: Number(priority.id),
    });
    dc.deliver(customerMail({ n: 1, from: 'ivana@example.org', subject: 'Cannot print' }));
    const before = await tickets();
    const report = await run();
    expect(report.fetched).toEqual({ mailboxes: 1, imported: 1, failed: 0 });
    expect(await tickets()).toBe(before + 1);
    const ticket = await t.db('tickets').orderBy('id', 'desc').first();
    expect(ticket.subject).toBe('Cannot print');
    expect(Number(ticket.category_id)).toBe(Number(category.id));
    expect(Number(ticket.priority_id)).toBe(Number(priority.id));
    const inbound = await t.db('inbound_mails').where({ ticket_id: ticket.id }).first();
    expect(inbound).toMatchObject({ source: 'imap', status: 'imported' });
    expect(Number(inbound.mailbox_id)).toBe(id);
    expect(dc.files().every((f) => /:2,[A-Z]*S/.test(f))).toBe(true);
    const row = await box(id);
    expect(row.last_error).toBeNull();
    expect(Number(row.last_fetch_at)).toBe(t.clock.now());
    expect(row.lease_until).toBeNull();
  });

  test('a reply with the tracking ID lands on the same ticket', async () => {
    await addDovecotMailbox(t, dc);
    dc.deliver(customerMail({ n: 2, from: 'petra@example.org', subject: 'Scanner jammed' }));
    await run();
    const ticket = await t.db('tickets').orderBy('id', 'desc').first();
    const count = await tickets();
    const tracking = `${ticket.tracking_id.slice(0, 3)}-${ticket.tracking_id.slice(3, 6)}-${ticket.tracking_id.slice(6)}`;
    dc.deliver(
      customerMail({
        n: 3,
        from: 'petra@example.org',
        subject: `Re: [#${tracking}] Scanner jammed`,
        body: 'It works again, thanks.',
      }),
    );
    await run();
    expect(await tickets()).toBe(count);
    const messages = await t.db('messages').where({ ticket_id: ticket.id }).orderBy('id');
    expect(messages).toHaveLength(2);
    expect(messages[1].body).toContain('It works again');
  });

  test('keep: the message stays unread, and a second run imports nothing', async () => {
    const id = await addDovecotMailbox(t, dc, { afterImport: 'keep' });
    dc.deliver(customerMail({ n: 4 }));
    const before = await tickets();
    await run();
    expect(await tickets()).toBe(before + 1);
    expect(dc.files()).toHaveLength(1);
    expect(dc.files()[0]).not.toMatch(/:2,[A-Z]*S/);
    await run();
    expect(await tickets()).toBe(before + 1);
    expect((await box(id)).last_imported).toBe(0);
  });

  test('the read mark taken away and the position lost: fetched again, nothing new is created', async () => {
    const id = await addDovecotMailbox(t, dc, { afterImport: 'mark_seen' });
    dc.deliver(customerMail({ n: 5 }));
    dc.deliver(customerMail({ n: 6 }));
    const before = await tickets();
    await run();
    expect(await tickets()).toBe(before + 2);
    await withImap(dc, (c) => c.messageFlagsRemove('1:*', ['\\Seen']));
    expect(dc.files().some((f) => /:2,[A-Z]*S/.test(f))).toBe(false);
    await run(); // the position (highest UID done) keeps them from being read again
    expect(await tickets()).toBe(before + 2);
    const inbound = async () => Number((await t.db('inbound_mails').count<{ n: number }[]>({ n: '*' }))[0]!.n);
    const recorded = await inbound();
    await t.db('mailboxes').where({ id }).update({ imap_last_uid: 0, imap_uidvalidity: null });
    const report = await run(); // read again: the import knows them (Message-ID)
    expect(report.fetched?.imported).toBe(2);
    expect(await tickets()).toBe(before + 2);
    expect(await inbound()).toBe(recorded);
    expect(dc.files().every((f) => /:2,[A-Z]*S/.test(f))).toBe(true);
  });

  test('move: the message goes to the other folder after the import; a missing folder is reported and nothing is lost', async () => {
    dc.createFolder('Done');
    const id = await addDovecotMailbox(t, dc, { afterImport: 'move', moveTo: 'Done' });
    dc.deliver(customerMail({ n: 7 }));
    const before = await tickets();
    await run();
    expect(await tickets()).toBe(before + 1);
    expect(dc.count()).toBe(0);
    expect(dc.count('Done')).toBe(1);
    await t.db('mailboxes').where({ id }).update({ move_to: 'Missing' });
    dc.deliver(customerMail({ n: 8 }));
    await run();
    expect(await tickets()).toBe(before + 2);
    expect(dc.count()).toBe(1); // imported, but still in INBOX
    expect((await box(id)).last_error).toMatch(/^move_folder/);
    await run(); // fetched again: a duplicate, still not moved, no second ticket
    expect(await tickets()).toBe(before + 2);
    dc.createFolder('Missing');
    await run();
    expect(dc.count()).toBe(0);
    expect(dc.count('Missing')).toBe(1);
    expect((await box(id)).last_error).toBeNull();
    expect(await tickets()).toBe(before + 2);
  });

  test('delete: the message is removed from the server once stored', async () => {
    await addDovecotMailbox(t, dc, { afterImport: 'delete' });
    dc.deliver(customerMail({ n: 9 }));
    dc.deliver(customerMail({ n: 10 }));
    const before = await tickets();
    await run();
    expect(await tickets()).toBe(before + 2);
    expect(dc.count()).toBe(0);
  });

  test('an import that throws (database gone) leaves that message and the rest on the server; the next run takes them', async () => {
    const id = await addDovecotMailbox(t, dc, { afterImport: 'delete' });
    for (let n = 11; n <= 13; n++) dc.deliver(customerMail({ n }));
    const before = await tickets();
    let calls = 0;
    t.clock.advance(fetchPolicy.retryAfterErrorMs + 1);
    const summary = await fetchDueMailboxes({
      ...fetchDepsOf(t.services),
      importMail: async (raw, origin) => {
        if (++calls === 2) throw new Error('connect ECONNREFUSED 127.0.0.1:3306');
        return importRawMail(t.services, raw, origin);
      },
    });
    expect(summary).toEqual({ mailboxes: 1, imported: 1, failed: 1 });
    expect(await tickets()).toBe(before + 1);
    expect(dc.count()).toBe(2);
    expect((await box(id)).last_error).toMatch(/^database/);
    await run();
    expect(await tickets()).toBe(before + 3);
    expect(dc.count()).toBe(0);
    expect((await box(id)).last_error).toBeNull();
  });

  test('two imports at once, the first throws: only the stored one is acted on; the next run takes the other, no ticket twice', async () => {
    const id = await addDovecotMailbox(t, dc, { afterImport: 'delete' });
    for (let n = 21; n <= 22; n++) dc.deliver(customerMail({ n }));
    const before = await tickets();
    let calls = 0;
    t.clock.advance(fetchPolicy.retryAfterErrorMs + 1);
    const summary = await fetchDueMailboxes({
      ...fetchDepsOf(t.services),
      importMail: async (raw, origin) => {
        if (++calls === 1) {
          await new Promise((resolve) => setTimeout(resolve, 50)); // fails after the second started
          throw new Error('connect ECONNREFUSED 127.0.0.1:3306');
        }
        return importRawMail(t.services, raw, origin);
      },
      importsAtOnce: 2,
    });
    expect(summary).toEqual({ mailboxes: 1, imported: 1, failed: 1 });
    expect(await tickets()).toBe(before + 1);
    expect(dc.count()).toBe(1); // the stored one was deleted; the failed one stays
    await run();
    expect(await tickets()).toBe(before + 2);
    expect(dc.count()).toBe(0);
    expect((await box(id)).last_error).toBeNull();
  });

  test('server down, then back: the error is recorded, nothing is lost or doubled', async () => {
    const id = await addDovecotMailbox(t, dc, { afterImport: 'mark_seen' });
    await dc.stop();
    try {
      dc.deliver(customerMail({ n: 14 }));
      const before = await tickets();
      const report = await run();
      expect(report.fetched).toEqual({ mailboxes: 1, imported: 0, failed: 1 });
      expect((await box(id)).last_error).toMatch(/^refused/);
      expect(await tickets()).toBe(before);
    } finally {
      await dc.start();
    }
    const before = await tickets();
    await run();
    expect(await tickets()).toBe(before + 1);
    expect((await box(id)).last_error).toBeNull();
    await run();
    expect(await tickets()).toBe(before + 1);
  });

  test('a stop cuts a run whose server hangs: its connection is closed at once, no error is recorded, the mailbox is due again', async () => {
    const proxy = await startDbProxy({ host: dc.host, port: dc.imapPort });
    try {
      proxy.setMode('freeze'); // accepts the connection, never greets
      const id = await addDovecotMailbox(t, dc, { host: proxy.host, port: proxy.port });
      const stop = new AbortController();
      const running = fetchMailboxNow(fetchDepsOf(t.services), id, stop.signal);
      await waitFor(() => proxy.connections() === 1, 'the connection opened');
      stop.abort();
      await waitFor(() => proxy.connections() === 0, 'the connection closed by the stop');
      // Without the cut the run would wait for the greeting's time limit and record a timeout.
      expect(await running).toEqual({ imported: 0, error: null });
      const row = await box(id);
      expect(row).toMatchObject({ last_error: null, lease_until: null });
      expect(Number(row.next_fetch_at)).toBe(t.clock.now());
    } finally {
      await proxy.close();
    }
  });

  test("a wrong password is the job's last error, with the server's words", async () => {
    const id = await addDovecotMailbox(t, dc, { password: 'not the password' });
    dc.deliver(customerMail({ n: 15 }));
    const before = await tickets();
    await run();
    expect(await tickets()).toBe(before);
    expect((await box(id)).last_error).toMatch(/^auth: Authentication failed/);
    expect(dc.count()).toBe(1);
  });

  test('a switched-off mailbox is not read', async () => {
    await addDovecotMailbox(t, dc, { active: false });
    dc.deliver(customerMail({ n: 16 }));
    const report = await run();
    expect(report.fetched?.mailboxes).toBe(0);
  });
});
