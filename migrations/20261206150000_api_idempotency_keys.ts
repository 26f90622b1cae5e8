import type { Knex } from 'knex';

/**
 * Idempotency-Key records of the API's creating calls: one row per (token, key), reserved before
 * the call runs (so two concurrent requests with one key create one thing) and completed with
 * the response to replay. The key is kept as its SHA-256: MariaDB's default collation would
 * otherwise call "abc" and "ABC" the same key. Rows older than 24 hours are swept.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('api_idempotency_keys', (t) => {
    t.increments('id').primary();
    t.integer('token_id').unsigned().notNullable().references('id').inTable('api_tokens').onDelete('CASCADE');
    t.string('key_hash', 64).notNullable();
    t.string('fingerprint', 64).notNullable(); // SHA-256 of method, path and body
    t.integer('status_code'); // null while the first request runs
    t.text('response', 'mediumtext'); // JSON: { body, location }
    t.bigInteger('created_at').notNullable();
    t.unique(['token_id', 'key_hash'], { indexName: 'api_idempotency_token_key_uq' });
    t.index(['created_at'], 'api_idempotency_created_idx');
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTableIfExists('api_idempotency_keys');
}
