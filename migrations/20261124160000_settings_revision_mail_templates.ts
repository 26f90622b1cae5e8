import type { Knex } from 'knex';

/**
 * A revision counter for the settings, which every process reads (one primary-key lookup) at
 * most every second to know whether its cached settings are still current; and the e-mail
 * templates admins have rewritten, one row per template and language.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('settings_revision', (t) => {
    t.integer('id').primary(); // always 1: a single row
    t.bigInteger('revision').notNullable();
    t.bigInteger('updated_at').notNullable();
  });
  await db.schema.createTable('mail_template_overrides', (t) => {
    t.increments('id').primary();
    t.string('template', 64).notNullable();
    t.string('language', 10).notNullable();
    t.text('subject').notNullable();
    t.text('body').notNullable();
    t.integer('updated_by_staff_id').unsigned().references('id').inTable('staff_users').onDelete('SET NULL');
    t.bigInteger('updated_at').notNullable();
    t.unique(['template', 'language'], { indexName: 'mail_template_overrides_unique' });
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTableIfExists('mail_template_overrides');
  await db.schema.dropTableIfExists('settings_revision');
}
