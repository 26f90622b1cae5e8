import type { Knex } from 'knex';

/**
 * Who made a ticket's current resolution (review 7 finding 1): 'staff', 'auto' (auto-close) or
 * 'customer'. The satisfaction survey asks only about a resolution made by staff or by the
 * auto-close, so a customer cannot mint new surveys by reopening and resolving. Existing rows:
 * those with a resolving staff member are 'staff'; the rest stay unknown (no survey).
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('tickets', (t) => {
    t.string('resolved_by', 8);
  });
  await db('tickets').whereNotNull('resolved_at').whereNotNull('resolved_by_staff_id').update({ resolved_by: 'staff' });
}

export async function down(db: Knex): Promise<void> {
  if (await db.schema.hasColumn('tickets', 'resolved_by')) {
    await db.schema.alterTable('tickets', (t) => {
      t.dropColumn('resolved_by');
    });
  }
}
