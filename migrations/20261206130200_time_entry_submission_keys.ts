import type { Knex } from 'knex';

/** The "log time" form carries a one-time submission key too: a double click logs the time once. */
export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('ticket_time_entries', (t) => {
    t.string('submission_key', 64).unique('ticket_time_entries_submission_key_unique');
  });
}

export async function down(db: Knex): Promise<void> {
  if (
    !(await db.schema.hasTable('ticket_time_entries')) ||
    !(await db.schema.hasColumn('ticket_time_entries', 'submission_key'))
  )
    return;
  await db.schema.alterTable('ticket_time_entries', (t) => {
    t.dropUnique(['submission_key'], 'ticket_time_entries_submission_key_unique');
    t.dropColumn('submission_key');
  });
}
