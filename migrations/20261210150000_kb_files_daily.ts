import type { Knex } from 'knex';

/**
 * Knowledge base, issue 12 remainder:
 * - `kb_article_files`: images and files attached to an article. Each row points at the blob of
 *   its content in the attachment store (like `attachments`), so identical files are stored once
 *   and a blob goes only when no ticket attachment and no article file uses it. Rows go with
 *   their article (CASCADE); the service releases the blobs after that commit.
 * - `kb_article_daily`: views and votes per article and UTC day (day = days since 1970-01-01),
 *   one upsert per event, so the owner's numbers can look at a period. Nothing is backfilled:
 *   the all-time counters in `kb_article_stats` cannot be split into days.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('kb_article_files', (t) => {
    t.bigIncrements('id').primary();
    t.integer('article_id').unsigned().notNullable().references('id').inTable('kb_articles').onDelete('CASCADE');
    t.string('storage_key', 191).notNullable();
    t.string('file_name', 255).notNullable(); // as uploaded (cleaned), shown escaped
    t.string('content_type', 127).notNullable();
    t.bigInteger('size_bytes').notNullable();
    t.string('sha256', 64).notNullable();
    t.integer('created_by').unsigned().references('id').inTable('staff_users').onDelete('SET NULL');
    t.string('submission_key', 64).unique('kb_article_files_submission_key_unique');
    t.bigInteger('created_at').notNullable();
    t.index(['article_id'], 'kb_article_files_article_idx');
    t.index(['storage_key'], 'kb_article_files_storage_key_idx');
  });
  await db.schema.createTable('kb_article_daily', (t) => {
    t.integer('article_id').unsigned().notNullable().references('id').inTable('kb_articles').onDelete('CASCADE');
    t.integer('day').notNullable();
    t.integer('views').notNullable().defaultTo(0);
    t.integer('helpful').notNullable().defaultTo(0);
    t.integer('not_helpful').notNullable().defaultTo(0);
    t.primary(['article_id', 'day']);
    // The owner's numbers sum a period over all articles.
    t.index(['day'], 'kb_article_daily_day_idx');
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTableIfExists('kb_article_daily');
  await db.schema.dropTableIfExists('kb_article_files');
}
