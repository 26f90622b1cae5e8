import type { Knex } from 'knex';

/**
 * Auto-close (issue 13 item 4): a category may close tickets answered by staff or resolved with
 * no customer answer in its own number of days (null: the desk's `tickets.autoCloseDays`). Each
 * such ticket has one row saying when it closes; the job reads the rows that are due, by the
 * (close_at) index, never every waiting ticket.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('categories', (t) => {
    t.integer('auto_close_days'); // null: the desk's setting; 0: never
  });
  await db.schema.createTable('ticket_auto_close', (t) => {
    t.bigInteger('ticket_id').unsigned().primary().references('id').inTable('tickets').onDelete('CASCADE');
    t.bigInteger('close_at').notNullable();
    t.index(['close_at'], 'ticket_auto_close_due');
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTableIfExists('ticket_auto_close');
  if (await db.schema.hasColumn('categories', 'auto_close_days')) {
    await db.schema.alterTable('categories', (t) => {
      t.dropColumn('auto_close_days');
    });
  }
}
