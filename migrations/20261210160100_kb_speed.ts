import type { Knex } from 'knex';

/**
 * Knowledge-base speed (issue 12):
 * - `kb_revision`: one row whose `categories` counts the changes of the category tree, so each
 *   process keeps the category list in memory and re-reads it only when the number moved (one
 *   primary-key read per request instead of two queries). Its row is written at the first change.
 *   `articles` counts the article writes the same way (in each save's transaction), and
 *   `terms_articles` / `terms_categories` are the two counts the kb-terms job last caught up
 *   with: a run that finds them equal skips its scans (src/kb/kb-upkeep.service.ts).
 * - `kb_article_versions.html` and `html_revision`: the body rendered and sanitized when the
 *   version is saved, so an article page does not render Markdown per view; `html_revision`
 *   names the renderer's rules it was made with (kbHtmlRevision in src/kb/kb-markdown.ts), and a row made under other
 *   rules (or none: existing rows start NULL, revision 0) is rendered per view until the kb-html
 *   job (src/kb/kb-terms.service.ts) or a save stores it again. Not filled here: a migration
 *   never runs the app's renderer, whose later changes must not change what a fresh install does.
 * - `kb_article_versions.related` / `related_at`: the related articles' ids found by search,
 *   kept with the version (src/kb/kb-related.service.ts); empty until the first view or save.
 */
export async function up(db: Knex): Promise<void> {
  const client = String(db.client.config.client);
  await db.schema.createTable('kb_revision', (t) => {
    t.integer('id').primary();
    t.integer('categories').notNullable();
    t.integer('articles').notNullable().defaultTo(0);
    t.integer('terms_articles').notNullable().defaultTo(-1);
    t.integer('terms_categories').notNullable().defaultTo(-1);
    t.bigInteger('updated_at').notNullable();
  });
  await db.schema.alterTable('kb_article_versions', (t) => {
    if (client === 'mysql' || client === 'mysql2') t.text('html', 'mediumtext').nullable();
    else t.text('html').nullable();
    t.integer('html_revision').notNullable().defaultTo(0);
    t.string('related', 191).nullable();
    t.bigInteger('related_at').notNullable().defaultTo(0);
  });
  await db.schema.alterTable('kb_article_versions', (t) =>
    t.index(['html_revision'], 'kb_article_versions_html_revision_idx'),
  );
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('kb_article_versions', (t) => {
    t.dropIndex(['html_revision'], 'kb_article_versions_html_revision_idx');
    t.dropColumn('html');
    t.dropColumn('html_revision');
    t.dropColumn('related');
    t.dropColumn('related_at');
  });
  await db.schema.dropTableIfExists('kb_revision');
}
