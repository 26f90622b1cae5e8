import type { Knex } from 'knex';

/**
 * Which tags are in use in which category, kept as tags are added and tickets move or merge
 * (src/tags/tag-categories.ts). The ticket page suggests the tags of the person's categories
 * through this small table: probing every ticket a tag is on took a quarter of a second at a
 * million tickets for someone who sees one category, on every ticket page. Rows are added,
 * never removed: a tag once used in a category stays a suggestion there.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('tag_categories', (t) => {
    t.integer('tag_id').unsigned().notNullable().references('id').inTable('tags').onDelete('CASCADE');
    t.integer('category_id').unsigned().notNullable().references('id').inTable('categories').onDelete('CASCADE');
    t.primary(['tag_id', 'category_id']);
    t.index(['category_id', 'tag_id'], 'tag_categories_category_idx');
  });
  await db.raw(
    'INSERT INTO tag_categories (tag_id, category_id) SELECT DISTINCT tt.tag_id, t.category_id FROM ticket_tags tt JOIN tickets t ON t.id = tt.ticket_id WHERE t.merged_into_id IS NULL',
  );
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTableIfExists('tag_categories');
}
