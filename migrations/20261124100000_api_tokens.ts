import type { Knex } from 'knex';

/**
 * Personal API tokens of staff members. Only the SHA-256 of a token is kept (the token itself is
 * shown once); a revoked token's row is deleted, the audit log keeps the record.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('api_tokens', (t) => {
    t.increments('id').primary();
    t.integer('staff_id').unsigned().notNullable().references('id').inTable('staff_users').onDelete('CASCADE');
    t.string('name', 120).notNullable();
    t.string('token_hash', 64).notNullable(); // hex SHA-256 of the whole token
    t.string('token_hint', 16).notNullable(); // the first characters, so people recognise a token
    t.bigInteger('created_at').notNullable();
    t.bigInteger('expires_at'); // null: never
    t.bigInteger('last_used_at'); // written at most once a minute per token
    t.unique(['token_hash'], { indexName: 'api_tokens_hash_uq' });
    t.index(['staff_id', 'created_at'], 'api_tokens_staff_idx');
    t.index(['created_at'], 'api_tokens_created_idx');
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTableIfExists('api_tokens');
}
