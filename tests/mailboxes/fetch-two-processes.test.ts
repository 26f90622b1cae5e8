import pino from 'pino';
import { systemClock } from '../../src/clock';
import { createKnex } from '../../src/db/knex-factory';
import { createI18n } from '../../src/i18n/i18n';
import { setTimeout as sleep } from 'node:timers/promises';
import { fetchDepsOf } from '../../src/jobs/job-runner';
import { fetchDueMailboxes } from '../../src/jobs/mail-fetch';
import { createServices, type Services } from '../../src/web/app-services';
import { describeWithDovecot, startDovecot, type DovecotServer } from '../helpers/dovecot';
import { useInstalledApp, type InstalledApp } from '../helpers/installed-app';
import { addDovecotMailbox, customerMail } from '../helpers/mailbox-fixtures';
import { testPool } from '../helpers/test-db';

jest.setTimeout(900_000);

/**
 * 1,000 messages in one IMAP mailbox, fetched by two help desk instances at once (each with its
 * own database pool and services, as two processes behind a load balancer would be), each
 * taking turns in short runs so the mailbox's lease passes back and forth: every message must
 * become exactly one ticket, none lost, and the mailbox ends empty.
 */
describeWithDovecot('two processes fetching one mailbox', () => {
  let t: InstalledApp;
  let dc: DovecotServer;
  const others: Array<{ destroy(): Promise<void> }> = [];
  useInstalledApp((a) => (t = a));
  beforeAll(async () => {
    dc = await startDovecot();
  });
  afterAll(async () => {
    for (const o of others) await o.destroy();
    await dc?.close();
  });

  function instance(): Services {
    const db = createKnex(t.config.database, t.config.paths.data, testPool);
    others.push(db);
    return createServices({
      config: t.config,
      db,
      logger: pino({ level: 'silent' }),
      i18n: createI18n(),
      clock: systemClock,
    });
  }

  test('1,000 messages: each imported exactly once, none lost', async () => {
    const total = 1000;
    const before = Number((await t.db('tickets').count<{ n: number }[]>({ n: '*' }))[0]!.n);
    for (let n = 0; n < total; n++)
      dc.deliver(customerMail({ n: `bulk${n}`, from: `bulk${n}@example.org`, subject: `Bulk message ${n}` }));
    await addDovecotMailbox(t, dc, { afterImport: 'delete' });
    const [a, b] = [instance(), instance()];
    const imported = { a: 0, b: 0 };
    const started = Date.now();
    const loop = async (s: Services, name: 'a' | 'b') => {
      const deps = fetchDepsOf(s);
      while (dc.count() > 0 && Date.now() - started < 800_000) {
        // The fetch job alone (runDueJobs would also send the 1,000 acknowledgements, which is
        // not what this test is about), in short runs so the lease passes back and forth.
        const report = await fetchDueMailboxes(deps, { budgetMs: 1500 });
        imported[name] += report.imported;
        // The other instance holds the mailbox: try again shortly instead of spinning on the database.
        if (report.mailboxes === 0) await sleep(20);
      }
    };
    await Promise.all([loop(a, 'a'), loop(b, 'b')]);
    expect(dc.count()).toBe(0);
    const rows = await t.db('tickets').where('subject', 'like', 'Bulk message %').select('subject');
    expect(rows).toHaveLength(total);
    expect(new Set(rows.map((r) => r.subject)).size).toBe(total);
    expect(Number((await t.db('tickets').count<{ n: number }[]>({ n: '*' }))[0]!.n)).toBe(before + total);
    expect(
      Number((await t.db('inbound_mails').where({ status: 'imported' }).count<{ n: number }[]>({ n: '*' }))[0]!.n),
    ).toBe(total);
    expect(imported.a + imported.b).toBe(total);
    // Which instance wins each lease is up to the scheduler (on a busy machine one may take every
    // turn), so the split between them is not asserted.
  });
});
