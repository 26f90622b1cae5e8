import type { Knex } from 'knex';
import { foldFrom, foldTo } from '../src/db/fold';

/**
 * The knowledge base (issue 12): nested categories, articles with one version per language,
 * votes and the search log, plus each database's full-text index over the versions.
 *
 * Counters (views, helpful, unhelpful) live in `kb_article_stats`, one narrow row per article,
 * not in `kb_articles`: a view is one autocommit `UPDATE … SET views = views + 1` that holds its
 * row lock for that statement only, never touches the row editors write or the large indexed
 * version rows (on PostgreSQL each update writes a new row version: a narrow one is cheap).
 *
 * Search ranks keywords above the title above the body: PostgreSQL by tsvector weights
 * (A/B/C) over a folded copy of the text (translate() with src/db/fold.ts, immutable, so no
 * unaccent extension is needed); MariaDB by one FULLTEXT index per column plus one over all
 * three for the match; SQLite by FTS5's bm25 with per-column weights.
 */
export async function up(db: Knex): Promise<void> {
  const client = String(db.client.config.client);
  await db.schema.createTable('kb_categories', (t) => {
    t.increments('id').primary();
    t.integer('parent_id').unsigned().references('id').inTable('kb_categories').onDelete('RESTRICT');
    t.string('name', 120).notNullable(); // in the default language
    t.integer('position').notNullable().defaultTo(0);
    t.boolean('public').notNullable().defaultTo(true); // false: staff only, with everything under it
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
    t.index(['parent_id', 'position'], 'kb_categories_parent_idx');
  });
  await db.schema.createTable('kb_category_names', (t) => {
    t.integer('category_id').unsigned().notNullable().references('id').inTable('kb_categories').onDelete('CASCADE');
    t.string('language', 5).notNullable();
    t.string('name', 120).notNullable();
    t.primary(['category_id', 'language']);
  });
  await db.schema.createTable('kb_articles', (t) => {
    t.increments('id').primary();
    t.integer('category_id').unsigned().notNullable().references('id').inTable('kb_categories').onDelete('RESTRICT');
    t.string('status', 10).notNullable().defaultTo('draft'); // draft | published | private
    t.boolean('pinned').notNullable().defaultTo(false);
    t.integer('position').notNullable().defaultTo(0);
    t.integer('created_by').unsigned().references('id').inTable('staff_users').onDelete('SET NULL');
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
    t.index(['category_id', 'status', 'pinned', 'position'], 'kb_articles_category_idx');
    t.index(['status', 'updated_at'], 'kb_articles_latest_idx');
  });
  await db.schema.createTable('kb_article_versions', (t) => {
    t.increments('id').primary();
    t.integer('article_id').unsigned().notNullable().references('id').inTable('kb_articles').onDelete('CASCADE');
    t.string('language', 5).notNullable();
    t.string('title', 191).notNullable();
    t.string('slug', 191).notNullable();
    t.string('keywords', 500).notNullable().defaultTo('');
    if (client === 'mysql2' || client === 'mysql') t.text('body', 'mediumtext').notNullable();
    else t.text('body').notNullable();
    t.bigInteger('updated_at').notNullable();
    t.unique(['article_id', 'language'], { indexName: 'kb_article_versions_lang_uq' });
    t.index(['language', 'article_id'], 'kb_article_versions_language_idx');
  });
  await db.schema.createTable('kb_article_stats', (t) => {
    t.integer('article_id').unsigned().primary().references('id').inTable('kb_articles').onDelete('CASCADE');
    t.integer('views').notNullable().defaultTo(0);
    t.integer('helpful').notNullable().defaultTo(0);
    t.integer('unhelpful').notNullable().defaultTo(0);
    t.index(['views'], 'kb_article_stats_views_idx');
  });
  // One vote per article and visitor (a hash of the session's binding id: no personal data).
  await db.schema.createTable('kb_votes', (t) => {
    t.integer('article_id').unsigned().notNullable().references('id').inTable('kb_articles').onDelete('CASCADE');
    t.string('voter', 64).notNullable();
    t.boolean('helpful').notNullable();
    t.bigInteger('voted_at').notNullable();
    t.primary(['article_id', 'voter']);
  });
  await db.schema.createTable('kb_searches', (t) => {
    t.bigIncrements('id').primary();
    t.string('query', 191).notNullable();
    t.string('language', 5).notNullable();
    t.integer('result_count').notNullable();
    t.bigInteger('searched_at').notNullable();
    t.index(['searched_at'], 'kb_searches_at_idx');
    t.index(['result_count', 'searched_at'], 'kb_searches_empty_idx');
  });

  if (client === 'pg') {
    const folded = (col: string) => `translate(lower(${col}), '${foldFrom}', '${foldTo}')`;
    await db.raw(
      `ALTER TABLE kb_article_versions ADD COLUMN search_tsv tsvector GENERATED ALWAYS AS (` +
        `setweight(to_tsvector('simple', ${folded('keywords')}), 'A') || setweight(to_tsvector('simple', ${folded('title')}), 'B') || setweight(to_tsvector('simple', ${folded('body')}), 'C')) STORED`,
    );
    await db.raw('CREATE INDEX kb_article_versions_tsv_idx ON kb_article_versions USING GIN (search_tsv)');
  } else if (client === 'mysql2' || client === 'mysql') {
    await db.raw('ALTER TABLE kb_article_versions ADD FULLTEXT INDEX kb_versions_all_ft (title, keywords, body)');
    await db.raw('ALTER TABLE kb_article_versions ADD FULLTEXT INDEX kb_versions_title_ft (title)');
    await db.raw('ALTER TABLE kb_article_versions ADD FULLTEXT INDEX kb_versions_keywords_ft (keywords)');
  } else {
    await db.raw(
      `CREATE VIRTUAL TABLE kb_fts USING fts5(title, keywords, body, content='kb_article_versions', content_rowid='id', tokenize='unicode61 remove_diacritics 2')`,
    );
    // unicode61 removes diacritics from Latin letters only: the Cyrillic ё is folded here.
    const yo = (col: string) => `replace(replace(${col}, 'ё', 'е'), 'Ё', 'Е')`;
    const values = (row: 'new' | 'old') =>
      `${row}.id, ${yo(`${row}.title`)}, ${yo(`${row}.keywords`)}, ${yo(`${row}.body`)}`;
    const add = `INSERT INTO kb_fts(rowid, title, keywords, body) VALUES (${values('new')});`;
    const remove = `INSERT INTO kb_fts(kb_fts, rowid, title, keywords, body) VALUES ('delete', ${values('old')});`;
    await db.raw(`CREATE TRIGGER kb_fts_ai AFTER INSERT ON kb_article_versions BEGIN ${add} END`);
    await db.raw(`CREATE TRIGGER kb_fts_ad AFTER DELETE ON kb_article_versions BEGIN ${remove} END`);
    await db.raw(
      `CREATE TRIGGER kb_fts_au AFTER UPDATE OF title, keywords, body ON kb_article_versions BEGIN ${remove} ${add} END`,
    );
  }
}

export async function down(db: Knex): Promise<void> {
  if (String(db.client.config.client) === 'better-sqlite3') {
    for (const suffix of ['ai', 'ad', 'au']) await db.raw(`DROP TRIGGER IF EXISTS kb_fts_${suffix}`);
    await db.raw('DROP TABLE IF EXISTS kb_fts');
  }
  for (const table of [
    'kb_searches',
    'kb_votes',
    'kb_article_stats',
    'kb_article_versions',
    'kb_articles',
    'kb_category_names',
    'kb_categories',
  ])
    await db.schema.dropTableIfExists(table);
}
