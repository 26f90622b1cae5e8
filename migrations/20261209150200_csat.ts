import type { Knex } from 'knex';

/**
 * Satisfaction survey (issue 13 item 5): one rating per resolution of a ticket, the resolution
 * being its `resolved_at`; the unique key refuses a second answer. Staff member and category are
 * kept as they were at the resolution, for the figures per person and per category.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('csat_ratings', (t) => {
    t.bigIncrements('id').primary();
    t.bigInteger('ticket_id').unsigned().notNullable().references('id').inTable('tickets').onDelete('CASCADE');
    t.bigInteger('resolved_at').notNullable();
    t.tinyint('rating').notNullable(); // 1..5
    t.text('comment');
    t.integer('staff_id').unsigned().references('id').inTable('staff_users').onDelete('SET NULL');
    t.integer('category_id').unsigned().references('id').inTable('categories').onDelete('SET NULL');
    t.bigInteger('created_at').notNullable();
    t.unique(['ticket_id', 'resolved_at'], { indexName: 'csat_ratings_once' });
    t.index(['created_at'], 'csat_ratings_created');
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTableIfExists('csat_ratings');
}
