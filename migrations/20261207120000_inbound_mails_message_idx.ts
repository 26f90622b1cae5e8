import type { Knex } from 'knex';

/**
 * The staff ticket page finds the original e-mail of each message it shows ("Show original"):
 * inbound_mails is looked up by message_id, so it gets an index.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('inbound_mails', (t) => {
    t.index(['message_id'], 'inbound_mails_message_idx');
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('inbound_mails', (t) => {
    t.dropIndex(['message_id'], 'inbound_mails_message_idx');
  });
}
