import type { Knex } from 'knex';

/**
 * A staff member's notification switches and "away" flag (the signature column exists since the
 * first schema), and the audit log of administrative changes (who changed what, when, from where).
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('staff_users', (t) => {
    t.boolean('notify_assigned').notNullable().defaultTo(true);
    t.boolean('notify_customer_reply').notNullable().defaultTo(true);
    t.boolean('notify_escalated').notNullable().defaultTo(true);
    t.boolean('notify_new_ticket').notNullable().defaultTo(true);
    t.boolean('is_away').notNullable().defaultTo(false); // skipped by auto-assignment
  });
  await db.schema.createTable('audit_log', (t) => {
    t.bigIncrements('id').primary();
    t.bigInteger('created_at').notNullable();
    t.integer('staff_id').unsigned().references('id').inTable('staff_users').onDelete('SET NULL');
    t.string('staff_name', 191); // kept as it was then: the account may be renamed or gone
    t.string('action', 64).notNullable(); // e.g. settings.changed, staff.role_changed
    t.string('target_type', 32);
    t.string('target_id', 64);
    t.text('details'); // JSON: what changed, before and after
    t.string('ip', 45);
    t.index(['created_at'], 'audit_log_created_idx');
    t.index(['staff_id', 'created_at'], 'audit_log_staff_idx');
    t.index(['action', 'created_at'], 'audit_log_action_idx');
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTableIfExists('audit_log');
  for (const column of [
    'notify_assigned',
    'notify_customer_reply',
    'notify_escalated',
    'notify_new_ticket',
    'is_away',
  ]) {
    if (await db.schema.hasColumn('staff_users', column))
      await db.schema.alterTable('staff_users', (t) => t.dropColumn(column));
  }
}
