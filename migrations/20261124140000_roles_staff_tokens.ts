import type { Knex } from 'knex';

/**
 * Custom roles (a name and the capabilities it bundles; "Administrator" is the staff_users
 * is_admin flag, not a row), each staff member's role, invitation and password-reset tokens
 * (only their SHA-256 is stored), and sessions_valid_after: sessions signed in with an older
 * value are over (password reset, password change, "sign out everywhere").
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('roles', (t) => {
    t.increments('id').primary();
    t.string('name', 100).notNullable().unique();
    t.text('capabilities').notNullable(); // JSON array of capability names
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
  });
  await db.schema.alterTable('staff_users', (t) => {
    t.integer('role_id').unsigned().references('id').inTable('roles').onDelete('RESTRICT');
    t.bigInteger('sessions_valid_after');
    t.bigInteger('invited_at'); // set while an invitation is open (no password chosen yet)
    t.index(['role_id'], 'staff_users_role_idx');
  });
  await db.schema.createTable('staff_tokens', (t) => {
    t.increments('id').primary();
    t.integer('staff_id').unsigned().notNullable().references('id').inTable('staff_users').onDelete('CASCADE');
    t.string('purpose', 16).notNullable(); // invite | reset
    t.string('token_hash', 64).notNullable().unique(); // hex SHA-256 of the token sent by mail
    t.bigInteger('expires_at').notNullable();
    t.bigInteger('used_at');
    t.bigInteger('created_at').notNullable();
    t.index(['staff_id', 'purpose'], 'staff_tokens_staff_idx');
    t.index(['expires_at'], 'staff_tokens_expires_idx');
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTableIfExists('staff_tokens');
  if (await db.schema.hasColumn('staff_users', 'role_id')) {
    await db.schema.alterTable('staff_users', (t) => {
      t.dropForeign(['role_id']);
      t.dropIndex(['role_id'], 'staff_users_role_idx');
    });
  }
  for (const column of ['role_id', 'sessions_valid_after', 'invited_at']) {
    if (await db.schema.hasColumn('staff_users', column))
      await db.schema.alterTable('staff_users', (t) => t.dropColumn(column));
  }
  await db.schema.dropTableIfExists('roles');
}
