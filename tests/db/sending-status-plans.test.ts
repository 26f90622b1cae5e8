/**
 * "Has an SMTP server ever accepted a mail?" is asked on every staff ticket page and on public
 * pages. Sent mail is never purged, so after a help desk ran on the mail log file the answer
 * must come from one index seek, not from reading every file-logged mail (review finding 1).
 */
import { clientOf } from '../../src/db/dialect';
import { outboxSendingEvidence } from '../../src/mail/sending-status.repo';
import { useInstalledApp, type InstalledApp } from '../helpers/installed-app';
import { plansOf } from '../helpers/query-plans';

let app: InstalledApp;
useInstalledApp((a) => (app = a));

const mail = (i: number, fields: Record<string, unknown>) => ({
  template: 'test_message',
  to_address: `person${i}@example.com`,
  subject: 'Hello',
  body_text: 'Hello',
  email_message_id: `<m${i}@tessera.test>`,
  next_attempt_at: 0,
  created_at: 0,
  ...fields,
});

beforeAll(async () => {
  // A help desk that logged 4000 mails to the file before anyone set an SMTP server.
  const rows = Array.from({ length: 4000 }, (_, i) => mail(i, { status: 'sent', sent_via: 'file', sent_at: i }));
  await app.db.batchInsert('mail_outbox', rows, 500);
  if (clientOf(app.db) === 'mysql') await app.db.raw('ANALYZE TABLE mail_outbox');
  if (clientOf(app.db) === 'postgres') await app.db.raw('ANALYZE mail_outbox');
}, 120_000);

/** Plan lines that read the whole outbox (or walk a whole index). */
function readsEveryMail(lines: string[]): string[] {
  switch (clientOf(app.db)) {
    case 'sqlite':
      return lines.filter((l) => /SCAN mail_outbox/.test(l));
    case 'mysql':
      return lines.filter((l) => /\bmail_outbox type=(ALL|index)\b/.test(l));
    default:
      return lines.filter((l) => /Seq Scan on mail_outbox/.test(l));
  }
}

test('"an SMTP server accepted a mail" is one seek of mail_outbox(sent_via, status), however much file-logged mail there is', async () => {
  expect(await outboxSendingEvidence(app.db)).toEqual({ retrying: false, everSent: false });
  const plans = (await plansOf(app.db, () => outboxSendingEvidence(app.db))).filter((p) => /sent_via/.test(p.sql));
  expect(plans.length).toBe(1);
  const [plan] = plans;
  expect([plan!.sql, readsEveryMail(plan!.lines)]).toEqual([plan!.sql, []]);
  expect(plan!.lines.join(' | ')).toMatch(/mail_outbox_sent_via_idx/);

  // The answer itself follows the mails: one accepted by SMTP makes it true.
  await app.db('mail_outbox').insert(mail(99_999, { status: 'sent', sent_via: 'smtp', sent_at: 1 }));
  expect(await outboxSendingEvidence(app.db)).toEqual({ retrying: false, everSent: true });
});
