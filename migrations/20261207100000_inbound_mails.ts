import type { Knex } from 'knex';

/**
 * Every inbound e-mail the help desk received (pipe, IMAP, POP3) and what became of it: imported
 * (ticket_id/message_id), refused (reason: auto_reply, bounce, flood, ...), failed (kept aside
 * with its raw bytes in the attachment store under raw_key, for staff to retry or discard) or
 * discarded. The unique dedupe_key (SHA-256 of the Message-ID, or of the raw bytes when there is
 * none) is what makes importing the same mail twice create nothing: the row is written in the
 * transaction that stores the ticket, so a second import fails on the index, not on a check.
 * mail_outbox.email_message_id gets an index: replies are threaded by looking up our own
 * Message-IDs there, and a bounce finds the mail it reports by it.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('inbound_mails', (t) => {
    t.bigIncrements('id').primary();
    t.string('dedupe_key', 64).notNullable();
    t.string('message_id_header', 191);
    t.string('source', 10).notNullable(); // pipe | imap | pop3
    t.bigInteger('mailbox_id'); // the mailbox it was fetched from; no foreign key, a mailbox may go
    t.string('from_address', 254);
    t.string('subject', 255);
    t.string('status', 16).notNullable(); // imported | refused | failed | discarded
    t.string('reason', 64);
    t.text('detail');
    t.bigInteger('ticket_id');
    t.bigInteger('message_id');
    t.string('raw_key', 191);
    t.integer('raw_size').notNullable().defaultTo(0);
    t.integer('attempts').notNullable().defaultTo(0);
    t.bigInteger('received_at').notNullable();
    t.bigInteger('updated_at').notNullable();
    t.unique(['dedupe_key'], { indexName: 'inbound_mails_dedupe_uq' });
    t.index(['status', 'received_at'], 'inbound_mails_status_idx');
  });
  await db.schema.alterTable('mail_outbox', (t) => {
    t.index(['email_message_id'], 'mail_outbox_message_id_idx');
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('mail_outbox', (t) => {
    t.dropIndex(['email_message_id'], 'mail_outbox_message_id_idx');
  });
  await db.schema.dropTableIfExists('inbound_mails');
}
