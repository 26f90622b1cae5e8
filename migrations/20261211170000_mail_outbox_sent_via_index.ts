import type { Knex } from 'knex';

/**
 * "Has an SMTP server ever accepted a mail?" (src/mail/sending-status.repo.ts) is asked on every
 * staff ticket page and on public pages. Sent mail is never purged, so without an index a help
 * desk that first ran on the mail log file read every earlier file-logged mail on each check.
 * (sent_via, status) serves exactly `sent_via = 'smtp' and status = 'sent'` as one index seek on
 * SQLite, MariaDB and PostgreSQL alike (MariaDB has no partial indexes), and being an index it
 * stays right however many processes send mail.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('mail_outbox', (t) => {
    t.index(['sent_via', 'status'], 'mail_outbox_sent_via_idx');
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('mail_outbox', (t) => {
    t.dropIndex(['sent_via', 'status'], 'mail_outbox_sent_via_idx');
  });
}
