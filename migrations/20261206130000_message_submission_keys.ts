import type { Knex } from 'knex';

/**
 * Forms that add a message carry a one-time submission key, unique here, so a double click, a
 * refresh or a proxy's retry stores one message (tickets have had theirs since the portal).
 * `tickets.last_message_id` is the newest customer message or staff reply (notes do not count):
 * a staff reply written against an older one is refused by the same UPDATE that locks the ticket.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('messages', (t) => {
    t.string('submission_key', 64).unique('messages_submission_key_unique');
  });
  await db.schema.alterTable('tickets', (t) => {
    t.bigInteger('last_message_id').unsigned();
  });
  await db.raw(
    "UPDATE tickets SET last_message_id = (SELECT MAX(m.id) FROM messages m WHERE m.ticket_id = tickets.id AND m.kind IN ('customer', 'staff'))",
  );
}

export async function down(db: Knex): Promise<void> {
  if (await db.schema.hasColumn('tickets', 'last_message_id')) {
    await db.schema.alterTable('tickets', (t) => t.dropColumn('last_message_id'));
  }
  if (await db.schema.hasColumn('messages', 'submission_key')) {
    await db.schema.alterTable('messages', (t) => {
      t.dropUnique(['submission_key'], 'messages_submission_key_unique');
      t.dropColumn('submission_key');
    });
  }
}
