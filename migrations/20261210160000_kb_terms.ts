import type { Knex } from 'knex';
import { addKbTerms } from '../src/kb/kb-terms.repo';

/**
 * The knowledge base's vocabulary (issue 12, typo-tolerant search): every folded word of 4-40
 * letters of the article versions, for "did you mean" corrections looked up by prefix and by
 * reversed suffix within a length (src/kb/kb-terms.repo.ts). `term` is compared exactly (binary
 * on MariaDB, whose default collation folds case and accents). PostgreSQL serves `LIKE 'x%'`
 * from a plain index only under the C collation: its indexes use varchar_pattern_ops. Filled
 * here from the existing versions, 500 at a time (each version counted once per word).
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
  for (let after = 0; ; ) {
    const rows = await db('kb_article_versions').where('id', '>', after).orderBy('id').limit(500).select('id', 'title', 'keywords', 'body');
    if (!rows.length) break;
    await db.transaction((trx) => addKbTerms(trx, rows.map((r) => `${String(r.keywords)} ${String(r.title)} ${String(r.body)}`)));
    after = Number(rows[rows.length - 1]!.id);
  }
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTableIfExists('kb_terms');
}
