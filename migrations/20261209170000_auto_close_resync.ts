import type { Knex } from 'knex';

/**
 * Auto-close re-plan (review 7 item 5): a change of the desk's or a category's number of days
 * counts up `revision`; a job walks the waiting tickets by id from `cursor` and sets their
 * closing time again. Revision 1 here makes the first run plan the tickets that were already
 * waiting before auto-close existed.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('auto_close_resync', (t) => {
    t.integer('id').primary();
    t.integer('revision').notNullable();
    t.integer('synced_revision').notNullable();
    t.integer('pass_revision').notNullable();
    t.bigInteger('cursor').notNullable();
    t.bigInteger('updated_at').notNullable();
  });
  await db('auto_close_resync').insert({
    id: 1,
    revision: 1,
    synced_revision: 0,
    pass_revision: 0,
    cursor: 0,
    updated_at: 0,
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTableIfExists('auto_close_resync');
}
