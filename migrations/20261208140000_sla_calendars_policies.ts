import type { Knex } from 'knex';

/**
 * Service levels (issue 13): business-hours calendars, the categories that count in them, and
 * SLA policies. Calendars and policies are a few rows read whole, so the week schedule,
 * holidays and per-priority targets are JSON text.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('sla_calendars', (t) => {
    t.increments('id').primary();
    t.string('name', 100).notNullable();
    t.string('time_zone', 64).notNullable();
    t.text('week').notNullable(); // JSON: 7 lists (Sunday first) of {start, end} minutes after local midnight
    t.text('holidays').notNullable(); // JSON: [{date: 'YYYY-MM-DD', yearly}]
    t.boolean('is_default').notNullable().defaultTo(false);
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
  });
  await db.schema.createTable('sla_calendar_categories', (t) => {
    t.integer('category_id').unsigned().primary().references('id').inTable('categories').onDelete('CASCADE');
    t.integer('calendar_id').unsigned().notNullable().references('id').inTable('sla_calendars').onDelete('CASCADE');
    t.index(['calendar_id'], 'sla_calendar_categories_calendar');
  });
  await db.schema.createTable('sla_policies', (t) => {
    t.increments('id').primary();
    t.string('name', 100).notNullable();
    t.integer('position').notNullable(); // matching order: lowest first
    t.integer('calendar_id').unsigned().references('id').inTable('sla_calendars').onDelete('SET NULL'); // null: the category's or the default calendar
    t.integer('category_id').unsigned().references('id').inTable('categories').onDelete('CASCADE');
    t.string('customer_domain', 191);
    t.integer('field_id').unsigned().references('id').inTable('custom_fields').onDelete('CASCADE');
    t.string('field_value', 191);
    t.text('targets').notNullable(); // JSON: {priorityId: {first, next, resolution}} in business minutes
    t.boolean('is_active').notNullable().defaultTo(true);
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTableIfExists('sla_policies');
  await db.schema.dropTableIfExists('sla_calendar_categories');
  await db.schema.dropTableIfExists('sla_calendars');
}
