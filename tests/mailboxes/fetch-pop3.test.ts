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

/** Fetching over POP3 (Dovecot on loopback): keep with UIDL tracking, delete, and the loop check. */
describeWithDovecot('fetching mail over POP3', () => {
  let t: InstalledApp;
  let dc: DovecotServer;
  useDovecotMailboxes((app, server) => ((t = app), (dc = server)));

  const tickets = () => countTickets(t);
  const run = () => runWhenDue(t);

  test('keep: each message is imported once, byte for byte; the seen list shrinks with the mailbox', async () => {
    const id = await addDovecotMailbox(t, dc, { protocol: 'pop3', afterImport: 'keep' });
    // 8-bit windows-1251 text: the raw bytes must reach the import unchanged.
    const cyrillic = Buffer.concat([
      Buffer.from(
        customerMail({ n: 21, subject: 'Windows-1251 body', body: '' }).replace(
          'charset=utf-8',
          'charset=windows-1251\r\nContent-Transfer-Encoding: 8bit',
        ),
      ),
      Buffer.from([0xcf, 0xf0, 0xe8, 0xe2, 0xe5, 0xf2, 0x0d, 0x0a, 0x2e, 0x2e, 0x0d, 0x0a]), // "Привет", then a line with two dots
    ]);
    dc.deliver(cyrillic);
    dc.deliver(customerMail({ n: 22 }));
    const before = await tickets();
    const report = await run();
    expect(report.fetched).toEqual({ mailboxes: 1, imported: 2, failed: 0 });
    expect(await tickets()).toBe(before + 2);
    const ticket = await t.db('tickets').where({ subject: 'Windows-1251 body' }).first();
    const message = await t.db('messages').where({ ticket_id: ticket.id }).first();
    expect(message.body).toContain('Привет');
    expect(dc.count()).toBe(2);
    expect(
      await t
        .db('mailbox_pop3_seen')
        .where({ mailbox_id: id })
        .count<{ n: number }[]>({ n: '*' })
        .then((r) => Number(r[0]!.n)),
    ).toBe(2);
    await run();
    expect(await tickets()).toBe(before + 2);
    // A person deletes one message with their mail client: its UIDL is forgotten at the next run.
    await withImap(dc, (c) => c.messageDelete('1'));
    await run();
    expect(
      await t
        .db('mailbox_pop3_seen')
        .where({ mailbox_id: id })
        .count<{ n: number }[]>({ n: '*' })
        .then((r) => Number(r[0]!.n)),
    ).toBe(1);
  });

  test('delete: messages are removed once stored', async () => {
    await addDovecotMailbox(t, dc, { protocol: 'pop3', afterImport: 'delete' });
    dc.deliver(customerMail({ n: 23 }));
    dc.deliver(customerMail({ n: 24 }));
    const before = await tickets();
    await run();
    expect(await tickets()).toBe(before + 2);
    expect(dc.count()).toBe(0);
  });

  test("mail from a mailbox's own address is refused (no loop), and still taken off the server", async () => {
    const id = await addDovecotMailbox(t, dc, {
      protocol: 'pop3',
      afterImport: 'delete',
      address: 'helpdesk-in@example.test',
    });
    dc.deliver(customerMail({ n: 25, from: 'helpdesk-in@example.test', subject: 'Auto: we got your mail' }));
    dc.deliver(customerMail({ n: 26, from: dc.user, subject: 'From the login address' }));
    const before = await tickets();
    await run();
    expect(await tickets()).toBe(before);
    const refused = await t.db('inbound_mails').where({ mailbox_id: id, status: 'refused', reason: 'own_address' });
    expect(refused).toHaveLength(2);
    expect(dc.count()).toBe(0);
  });

  test("a wrong password is the job's last error, with the server's words", async () => {
    const id = await addDovecotMailbox(t, dc, { protocol: 'pop3', password: 'wrong' });
    dc.deliver(customerMail({ n: 27 }));
    await run();
    expect((await t.db('mailboxes').where({ id }).first()).last_error).toMatch(/^auth: .*Authentication failed/);
    expect(dc.count()).toBe(1);
  });
});
