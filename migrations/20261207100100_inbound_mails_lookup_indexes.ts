import type { Knex } from 'knex';

/**
 * Inbound mails are found by the message they became (the staff's "original mail" view of a
 * message) and by their sender (erasing a customer removes their raw mails): both by index.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('inbound_mails', (t) => {
    t.index(['message_id'], 'inbound_mails_message_idx');
    t.index(['from_address'], 'inbound_mails_from_idx');
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('inbound_mails', (t) => {
    t.dropIndex(['from_address'], 'inbound_mails_from_idx');
    t.dropIndex(['message_id'], 'inbound_mails_message_idx');
  });
}
