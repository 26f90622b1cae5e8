import type { Knex } from 'knex';

/**
 * Whether a mail waits for another try because the mail server itself failed (down, refusing
 * our sign-in, no TLS, …: the delivery policy's "server-wide" problems) rather than because of its
 * one recipient (a full mailbox). The "can the help desk send mail?" answer
 * (src/mail/sending-status.ts) warns every page only for the first kind.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('mail_outbox', (t) => {
    t.boolean('deferred_server_wide').notNullable().defaultTo(false);
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('mail_outbox', (t) => {
    t.dropColumn('deferred_server_wide');
  });
}
