import type { Knex } from 'knex';

/**
 * The version of a staff member's signed reply addresses (src/staff-mail/reply-address.ts): it
 * is part of what the address signs, so raising it kills every address handed out before. It
 * rises with every credential event (password change or reset, deactivation, second factor
 * reset: endStaffSessions) and when a staff member revokes their reply addresses.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('staff_users', (t) => {
    t.integer('reply_key_version').notNullable().defaultTo(0);
  });
}

export async function down(db: Knex): Promise<void> {
  if (await db.schema.hasColumn('staff_users', 'reply_key_version')) {
    await db.schema.alterTable('staff_users', (t) => {
      t.dropColumn('reply_key_version');
    });
  }
}
