import type { Knex } from 'knex';

/**
 * Two-factor sign-in with an authenticator app (TOTP): one row per staff member holding the
 * secret (encrypted with a key derived from the signing secret), when it was switched on (null
 * while enrolment waits for its first code) and the last time step used (a code is never
 * accepted twice); and the one-time recovery codes, stored as SHA-256 hashes only.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('staff_two_factor', (t) => {
    t.integer('staff_id').unsigned().primary().references('id').inTable('staff_users').onDelete('CASCADE');
    t.string('secret_encrypted', 255).notNullable();
    t.bigInteger('enabled_at');
    t.bigInteger('last_used_step');
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
  });
  await db.schema.createTable('staff_recovery_codes', (t) => {
    t.increments('id').primary();
    t.integer('staff_id').unsigned().notNullable().references('id').inTable('staff_users').onDelete('CASCADE');
    t.string('code_hash', 64).notNullable(); // hex SHA-256 of the normalised code
    t.bigInteger('used_at');
    t.bigInteger('created_at').notNullable();
    t.index(['staff_id', 'code_hash'], 'staff_recovery_codes_staff_idx');
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTableIfExists('staff_recovery_codes');
  await db.schema.dropTableIfExists('staff_two_factor');
}
