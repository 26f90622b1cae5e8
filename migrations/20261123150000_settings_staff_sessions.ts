import type { Knex } from 'knex';

/** Settings, staff accounts, database-backed sessions and rate-limit counters. */
export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('settings', (t) => {
    t.string('key', 100).primary();
    t.text('value').notNullable(); // JSON
    t.bigInteger('updated_at').notNullable();
  });

  await db.schema.createTable('staff_users', (t) => {
    t.increments('id').primary();
    t.string('email', 191).notNullable().unique(); // stored lower-cased
    t.string('name', 120).notNullable();
    t.string('password_hash', 255).notNullable();
    t.boolean('is_admin').notNullable().defaultTo(false);
    t.boolean('is_active').notNullable().defaultTo(true);
    t.string('language', 10).notNullable().defaultTo('en');
    t.text('signature');
    t.bigInteger('last_login_at');
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
  });

  // Shape expected by connect-session-knex (createTable is off: the schema is ours). JSON is
  // text on SQLite and MariaDB; the store's PostgreSQL upsert needs a real json column.
  await db.schema.createTable('sessions', (t) => {
    t.string('sid', 191).primary();
    t.json('sess').notNullable();
    t.dateTime('expired').notNullable().index();
  });

  await db.schema.createTable('rate_limits', (t) => {
    t.string('bucket', 191).primary(); // e.g. "login-ip:203.0.113.9"
    t.integer('hits').notNullable();
    t.bigInteger('reset_at').notNullable().index();
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTableIfExists('rate_limits');
  await db.schema.dropTableIfExists('sessions');
  await db.schema.dropTableIfExists('staff_users');
  await db.schema.dropTableIfExists('settings');
}
