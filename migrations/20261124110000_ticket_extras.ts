import type { Knex } from 'knex';

/**
 * What staff keep on a ticket besides the thread: time spent, links between related tickets,
 * a reply draft per person, and who has the ticket open right now (presence rows, so several
 * web processes see the same thing). The due date already has its column on tickets.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('ticket_time_entries', (t) => {
    t.bigIncrements('id').primary();
    t.bigInteger('ticket_id').unsigned().notNullable().references('id').inTable('tickets').onDelete('CASCADE');
    t.integer('staff_id').unsigned().references('id').inTable('staff_users').onDelete('SET NULL');
    t.string('staff_name', 120).notNullable(); // as it was then
    t.integer('minutes').notNullable();
    t.string('note', 500);
    t.bigInteger('created_at').notNullable();
    t.index(['ticket_id', 'id'], 'ticket_time_entries_ticket_idx');
  });

  // One row per pair, the lower ticket id first, so a link and its reverse are the same row.
  await db.schema.createTable('ticket_links', (t) => {
    t.bigInteger('low_ticket_id').unsigned().notNullable().references('id').inTable('tickets').onDelete('CASCADE');
    t.bigInteger('high_ticket_id').unsigned().notNullable().references('id').inTable('tickets').onDelete('CASCADE');
    t.integer('created_by_staff_id').unsigned().references('id').inTable('staff_users').onDelete('SET NULL');
    t.bigInteger('created_at').notNullable();
    t.primary(['low_ticket_id', 'high_ticket_id']);
    t.index(['high_ticket_id'], 'ticket_links_high_idx');
  });

  await db.schema.createTable('reply_drafts', (t) => {
    t.integer('staff_id').unsigned().notNullable().references('id').inTable('staff_users').onDelete('CASCADE');
    t.bigInteger('ticket_id').unsigned().notNullable().references('id').inTable('tickets').onDelete('CASCADE');
    t.text('body', 'mediumtext').notNullable();
    t.bigInteger('updated_at').notNullable();
    t.primary(['staff_id', 'ticket_id']);
    t.index(['ticket_id'], 'reply_drafts_ticket_idx');
  });

  await db.schema.createTable('ticket_presence', (t) => {
    t.bigInteger('ticket_id').unsigned().notNullable().references('id').inTable('tickets').onDelete('CASCADE');
    t.integer('staff_id').unsigned().notNullable().references('id').inTable('staff_users').onDelete('CASCADE');
    t.string('state', 10).notNullable(); // viewing | replying
    t.bigInteger('seen_at').notNullable();
    t.primary(['ticket_id', 'staff_id']);
    t.index(['staff_id'], 'ticket_presence_staff_idx');
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTableIfExists('ticket_presence');
  await db.schema.dropTableIfExists('reply_drafts');
  await db.schema.dropTableIfExists('ticket_links');
  await db.schema.dropTableIfExists('ticket_time_entries');
}
