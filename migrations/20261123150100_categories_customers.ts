import type { Knex } from 'knex';

/** Statuses, priorities, categories with their support tier, staff access, customers. */
export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('statuses', (t) => {
    t.increments('id').primary();
    t.string('key', 32).notNullable().unique();
    t.string('name', 64).notNullable();
    t.string('color', 16).notNullable();
    t.integer('sort_order').notNullable().defaultTo(0);
    t.boolean('is_open').notNullable(); // counts as open for queues and limits
    t.boolean('customer_settable').notNullable().defaultTo(false);
    t.boolean('is_builtin').notNullable().defaultTo(false);
  });

  await db.schema.createTable('priorities', (t) => {
    t.increments('id').primary();
    t.string('key', 32).notNullable().unique();
    t.string('name', 64).notNullable();
    t.string('color', 16).notNullable();
    t.integer('sort_order').notNullable().defaultTo(0); // higher is more urgent
    t.boolean('is_builtin').notNullable().defaultTo(false);
  });

  await db.schema.createTable('categories', (t) => {
    t.increments('id').primary();
    t.string('name', 120).notNullable();
    t.text('description');
    t.tinyint('tier').notNullable().defaultTo(1); // support tier 1-3
    t.boolean('is_public').notNullable().defaultTo(true);
    t.integer('escalate_to_id').unsigned().references('id').inTable('categories').onDelete('SET NULL');
    t.integer('default_priority_id').unsigned().references('id').inTable('priorities').onDelete('SET NULL');
    t.integer('sort_order').notNullable().defaultTo(0);
    t.boolean('is_active').notNullable().defaultTo(true);
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
    t.index(['is_active', 'sort_order']);
  });

  await db.schema.createTable('staff_categories', (t) => {
    t.integer('staff_id').unsigned().notNullable().references('id').inTable('staff_users').onDelete('CASCADE');
    t.integer('category_id').unsigned().notNullable().references('id').inTable('categories').onDelete('CASCADE');
    t.primary(['staff_id', 'category_id']);
    t.index(['category_id']);
  });

  await db.schema.createTable('customers', (t) => {
    t.bigIncrements('id').primary();
    t.string('email', 191).notNullable().unique(); // stored lower-cased
    t.string('name', 120).notNullable();
    t.string('language', 10).notNullable().defaultTo('en');
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTableIfExists('customers');
  await db.schema.dropTableIfExists('staff_categories');
  await db.schema.dropTableIfExists('categories');
  await db.schema.dropTableIfExists('priorities');
  await db.schema.dropTableIfExists('statuses');
}
