import type { Knex } from 'knex';

/**
 * The knowledge base's vocabulary (issue 12, typo-tolerant search): every folded word of 4-40
 * letters of the published articles in public categories, for "did you mean" corrections looked
 * up by prefix and by reversed suffix within a length (src/kb/kb-terms.repo.ts), with the number
 * of such articles holding it. `kb_term_sources` keeps which words each article adds now (and
 * the article's updated_at and the category tree's revision they were taken at), so a change
 * removes exactly its old contribution; no foreign key: the row outlives a deleted article until
 * its words are taken back. `term` is compared exactly (binary on MariaDB, whose default collation
 * folds case and accents). PostgreSQL serves `LIKE 'x%'` from a plain index only under the C
 * collation: its indexes use varchar_pattern_ops. Self-contained: both tables start empty and the
 * kb-terms job (src/kb/kb-terms.service.ts) fills them from the existing articles.
 */
export async function up(db: Knex): Promise<void> {
  const client = String(db.client.config.client);
  const mysql = client === 'mysql' || client === 'mysql2';
  await db.schema.createTable('kb_terms', (t) => {
    const term = t.string('term', 40).notNullable().primary();
    const reversed = t.string('reversed', 40).notNullable();
    if (mysql) {
      term.collate('utf8mb4_bin');
      reversed.collate('utf8mb4_bin');
    }
    t.integer('length').notNullable();
    t.integer('articles').notNullable();
    if (client !== 'pg') {
      t.index(['length', 'term'], 'kb_terms_length_term_idx');
      t.index(['length', 'reversed'], 'kb_terms_length_reversed_idx');
    }
  });
  if (client === 'pg') {
    await db.raw('CREATE INDEX kb_terms_length_term_idx ON kb_terms (length, term varchar_pattern_ops)');
    await db.raw('CREATE INDEX kb_terms_length_reversed_idx ON kb_terms (length, reversed varchar_pattern_ops)');
  }
  await db.schema.createTable('kb_term_sources', (t) => {
    t.integer('article_id').primary();
    if (mysql) t.text('terms', 'mediumtext').notNullable();
    else t.text('terms').notNullable();
    t.bigInteger('article_updated_at').notNullable();
    t.integer('categories').notNullable();
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTableIfExists('kb_term_sources');
  await db.schema.dropTableIfExists('kb_terms');
}
