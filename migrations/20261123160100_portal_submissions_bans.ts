import type { Knex } from 'knex';

/**
 * The customer portal: a submission key per web form so a double click or a refresh creates one
 * ticket, and bans of e-mail addresses, domains and IP ranges.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('tickets', (t) => {
    t.string('submission_key', 64).unique('tickets_submission_key_unique');
  });
  await db.schema.createTable('bans', (t) => {
    t.increments('id').primary();
    t.string('kind', 10).notNullable(); // email | domain | ip (an address or a CIDR range)
    t.string('value', 191).notNullable(); // lower-cased
    t.string('reason', 255);
    t.integer('created_by_staff_id').unsigned().references('id').inTable('staff_users').onDelete('SET NULL');
    t.bigInteger('created_at').notNullable();
    t.unique(['kind', 'value']);
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTableIfExists('bans');
  if (!(await db.schema.hasColumn('tickets', 'submission_key'))) return;
  await db.schema.alterTable('tickets', (t) => {
    t.dropUnique(['submission_key'], 'tickets_submission_key_unique');
    t.dropColumn('submission_key');
  });
}
