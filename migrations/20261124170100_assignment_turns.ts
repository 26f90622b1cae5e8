import type { Knex } from 'knex';

/**
 * The round-robin turn of each category in a table of its own. Kept on the category row, the
 * turn deadlocked on MySQL when tickets arrived together: inserting a ticket takes a shared lock
 * on its category (the foreign key check), and two such transactions cannot both upgrade it to
 * write the turn. Nothing references this table, so taking a turn only waits, never deadlocks.
 * (categories.assign_turn from 20261124170000 is no longer used.)
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('assignment_turns', (t) => {
    t.integer('category_id').unsigned().primary().references('id').inTable('categories').onDelete('CASCADE');
    t.integer('turn').notNullable().defaultTo(0);
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTableIfExists('assignment_turns');
}
