import type { Knex } from 'knex';
import { foldFrom, foldTo } from '../src/db/fold';
import { kbSearchText, kbSearchTextSeparator } from '../src/kb/kb-search-text';

/**
 * Knowledge-base hardening (issue 12 review):
 * - `kb_articles.revision` and `updated_by`: a save names the revision its form was loaded
 *   with, and the update only happens if it is still the current one (two editors no longer
 *   overwrite each other silently).
 * - `submission_key` on `kb_articles` and `kb_categories` (unique): a double submit of a
 *   creating form creates one row. `kb_categories.created_by` tells whose key it was.
 * - PostgreSQL: the search index no longer folds with lower()/translate() in the database
 *   (lower() follows the cluster's LC_CTYPE: a C-locale cluster left Cyrillic capitals as they
 *   were). The application stores `search_text`, folded in JavaScript (src/db/fold.ts), and the
 *   tsvector is built over that with the 'simple' configuration. Backfilled here in batches.
 */
const isMysql = (db: Knex) => ['mysql', 'mysql2'].includes(String(db.client.config.client));

export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('kb_articles', (t) => {
    t.integer('revision').notNullable().defaultTo(0);
    t.integer('updated_by').unsigned().references('id').inTable('staff_users').onDelete('SET NULL');
    t.string('submission_key', 64).unique('kb_articles_submission_key_unique');
  });
  await db.schema.alterTable('kb_categories', (t) => {
    t.integer('created_by').unsigned().references('id').inTable('staff_users').onDelete('SET NULL');
    t.string('submission_key', 64).unique('kb_categories_submission_key_unique');
  });
  if (String(db.client.config.client) !== 'pg') return;

  await db.raw('DROP INDEX IF EXISTS kb_article_versions_tsv_idx');
  await db.raw('ALTER TABLE kb_article_versions DROP COLUMN IF EXISTS search_tsv');
  await db.raw("ALTER TABLE kb_article_versions ADD COLUMN search_text text NOT NULL DEFAULT ''");
  for (let after = 0; ; ) {
    const rows = await db('kb_article_versions')
      .where('id', '>', after)
      .orderBy('id')
      .limit(500)
      .select('id', 'title', 'keywords', 'body');
    if (!rows.length) break;
    for (const r of rows)
      await db('kb_article_versions')
        .where({ id: r.id })
        .update({
          search_text: kbSearchText({ title: String(r.title), keywords: String(r.keywords), body: String(r.body) }),
        });
    after = Number(rows[rows.length - 1]!.id);
  }
  const part = (n: number) =>
    `to_tsvector('simple', split_part(search_text, E'\\x${kbSearchTextSeparator.charCodeAt(0).toString(16).padStart(2, '0')}', ${n}))`;
  // Parts: keywords (weight A), title (B), body (C).
  await db.raw(
    `ALTER TABLE kb_article_versions ADD COLUMN search_tsv tsvector GENERATED ALWAYS AS (setweight(${part(1)}, 'A') || setweight(${part(2)}, 'B') || setweight(${part(3)}, 'C')) STORED`,
  );
  await db.raw('CREATE INDEX kb_article_versions_tsv_idx ON kb_article_versions USING GIN (search_tsv)');
}

export async function down(db: Knex): Promise<void> {
  if (String(db.client.config.client) === 'pg') {
    await db.raw('DROP INDEX IF EXISTS kb_article_versions_tsv_idx');
    await db.raw('ALTER TABLE kb_article_versions DROP COLUMN IF EXISTS search_tsv');
    await db.raw('ALTER TABLE kb_article_versions DROP COLUMN IF EXISTS search_text');
    const folded = (col: string) => `translate(lower(${col}), '${foldFrom}', '${foldTo}')`;
    await db.raw(
      `ALTER TABLE kb_article_versions ADD COLUMN search_tsv tsvector GENERATED ALWAYS AS (` +
        `setweight(to_tsvector('simple', ${folded('keywords')}), 'A') || setweight(to_tsvector('simple', ${folded('title')}), 'B') || setweight(to_tsvector('simple', ${folded('body')}), 'C')) STORED`,
    );
    await db.raw('CREATE INDEX kb_article_versions_tsv_idx ON kb_article_versions USING GIN (search_tsv)');
  }
  await db.schema.alterTable('kb_categories', (t) => {
    t.dropUnique(['submission_key'], 'kb_categories_submission_key_unique');
    if (isMysql(db)) t.dropForeign(['created_by']);
  });
  await db.schema.alterTable('kb_categories', (t) => t.dropColumns('submission_key', 'created_by'));
  await db.schema.alterTable('kb_articles', (t) => {
    t.dropUnique(['submission_key'], 'kb_articles_submission_key_unique');
    if (isMysql(db)) t.dropForeign(['updated_by']);
  });
  await db.schema.alterTable('kb_articles', (t) => t.dropColumns('submission_key', 'updated_by', 'revision'));
}
