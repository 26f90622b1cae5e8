import type { Knex } from 'knex';

/**
 * The delivery job writes down that it is about to hand a mail to the SMTP server before it
 * does (`attempt_started_at`), and clears it with the outcome. A row whose attempt started but
 * has no outcome was interrupted (a crash, a database outage): it is sent again only after its
 * lease ran out, with the same Message-ID, and `interrupted_attempts` counts how often that
 * happened so staff can see that the customer may have the mail twice. `sent_via` says whether
 * an SMTP server took the mail or it was only written to the mail log file.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('mail_outbox', (t) => {
    t.bigInteger('attempt_started_at');
    t.integer('interrupted_attempts').notNullable().defaultTo(0);
    t.string('sent_via', 8);
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('mail_outbox', (t) => {
    t.dropColumn('sent_via');
    t.dropColumn('interrupted_attempts');
    t.dropColumn('attempt_started_at');
  });
}
