import type { Knex } from 'knex';
import { dropIndexIfExists, indexExists, keepForeignKeyIndex } from '../src/db/indexes';

/**
 * Tags on tickets, the staff list's remembered columns and saved views. ticket_tags is keyed
 * both ways: (ticket_id, tag_id) for a ticket's tags and a page's tags, (tag_id, ticket_id) for
 * the list's tag filter. The priority index lets the list sort by priority from an index.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('tags', (t) => {
    t.increments('id').primary();
    t.string('name', 64).notNullable().unique(); // normalised: trimmed, single spaces, lower case
    t.bigInteger('created_at').notNullable();
  });

  await db.schema.createTable('ticket_tags', (t) => {
    t.bigInteger('ticket_id').unsigned().notNullable().references('id').inTable('tickets').onDelete('CASCADE');
    t.integer('tag_id').unsigned().notNullable().references('id').inTable('tags').onDelete('CASCADE');
    t.bigInteger('created_at').notNullable();
    t.primary(['ticket_id', 'tag_id']);
    t.index(['tag_id', 'ticket_id'], 'ticket_tags_tag_ticket_idx');
  });

  await db.schema.createTable('staff_list_prefs', (t) => {
    t.integer('staff_id').unsigned().primary().references('id').inTable('staff_users').onDelete('CASCADE');
    t.text('columns').notNullable(); // JSON list of column keys, in order
    t.bigInteger('updated_at').notNullable();
  });

  await db.schema.createTable('saved_views', (t) => {
    t.increments('id').primary();
    t.integer('owner_staff_id').unsigned().notNullable().references('id').inTable('staff_users').onDelete('CASCADE');
    t.string('name', 120).notNullable();
    t.boolean('is_shared').notNullable().defaultTo(false);
    t.text('query').notNullable(); // the list's query string: filters, sort, page size, columns
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
    t.index(['owner_staff_id', 'name'], 'saved_views_owner_idx');
    t.index(['is_shared', 'name'], 'saved_views_shared_idx');
  });

  await db.schema.alterTable('tickets', (t) => {
    t.index(['priority_id', 'updated_at'], 'tickets_priority_updated_idx');
  });
}

export async function down(db: Knex): Promise<void> {
  if (await indexExists(db, 'tickets', 'tickets_priority_updated_idx')) {
    await keepForeignKeyIndex(db, 'tickets', 'priority_id', 'tickets_priority_id_foreign');
    await dropIndexIfExists(db, 'tickets', 'tickets_priority_updated_idx');
  }
  await db.schema.dropTableIfExists('saved_views');
  await db.schema.dropTableIfExists('staff_list_prefs');
  await db.schema.dropTableIfExists('ticket_tags');
  await db.schema.dropTableIfExists('tags');
}
