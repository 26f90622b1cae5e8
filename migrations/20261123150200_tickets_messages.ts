import type { Knex } from 'knex';

/**
 * Tickets, their messages, attachments and events. The ticket indexes serve the staff list at
 * a million rows: each filter (status, category, owner) leads an index that ends in updated_at,
 * so the newest page comes straight from the index instead of sorting every match.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('tickets', (t) => {
    t.bigIncrements('id').primary();
    t.string('tracking_id', 10).notNullable().unique();
    t.string('subject', 255).notNullable();
    t.bigInteger('customer_id').unsigned().notNullable().references('id').inTable('customers');
    t.integer('category_id').unsigned().notNullable().references('id').inTable('categories');
    t.tinyint('tier').notNullable().defaultTo(1);
    t.integer('status_id').unsigned().notNullable().references('id').inTable('statuses');
    t.integer('priority_id').unsigned().notNullable().references('id').inTable('priorities');
    t.integer('owner_id').unsigned().references('id').inTable('staff_users').onDelete('SET NULL');
    t.bigInteger('merged_into_id').unsigned().references('id').inTable('tickets').onDelete('SET NULL');
    t.string('language', 10).notNullable().defaultTo('en');
    t.string('last_replier_type', 10).notNullable().defaultTo('customer'); // customer | staff
    t.integer('last_replier_staff_id').unsigned().references('id').inTable('staff_users').onDelete('SET NULL');
    t.integer('message_count').notNullable().defaultTo(0);
    t.string('source', 10).notNullable().defaultTo('web'); // web | email | api | staff
    t.string('ip', 45);
    t.bigInteger('due_at');
    t.bigInteger('resolved_at');
    t.integer('resolved_by_staff_id').unsigned().references('id').inTable('staff_users').onDelete('SET NULL');
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
    t.index(['updated_at'], 'tickets_updated_idx');
    t.index(['status_id', 'updated_at'], 'tickets_status_updated_idx');
    t.index(['category_id', 'status_id', 'updated_at'], 'tickets_category_status_updated_idx');
    t.index(['owner_id', 'status_id', 'updated_at'], 'tickets_owner_status_updated_idx');
    t.index(['customer_id', 'created_at'], 'tickets_customer_created_idx');
    t.index(['due_at'], 'tickets_due_idx');
    t.index(['merged_into_id'], 'tickets_merged_into_idx');
  });

  await db.schema.createTable('messages', (t) => {
    t.bigIncrements('id').primary();
    t.bigInteger('ticket_id').unsigned().notNullable().references('id').inTable('tickets').onDelete('CASCADE');
    t.string('kind', 10).notNullable(); // customer | staff | note
    t.integer('staff_id').unsigned().references('id').inTable('staff_users').onDelete('SET NULL');
    t.bigInteger('customer_id').unsigned().references('id').inTable('customers').onDelete('SET NULL');
    t.string('author_name', 120).notNullable(); // as it was when written
    t.text('body', 'mediumtext').notNullable(); // stored as written, escaped when shown
    t.string('body_format', 10).notNullable().defaultTo('text'); // text | markdown
    t.string('email_message_id', 191); // Message-ID of the mail it came in or went out with
    t.smallint('rating'); // customer's rating of a staff reply: 1 helpful, -1 not
    t.string('ip', 45);
    t.bigInteger('created_at').notNullable();
    t.index(['ticket_id', 'id'], 'messages_ticket_idx');
    t.index(['email_message_id'], 'messages_email_message_id_idx');
  });

  await db.schema.createTable('attachments', (t) => {
    t.bigIncrements('id').primary();
    t.bigInteger('ticket_id').unsigned().notNullable().references('id').inTable('tickets').onDelete('CASCADE');
    t.bigInteger('message_id').unsigned().references('id').inTable('messages').onDelete('CASCADE');
    t.string('storage_key', 191).notNullable().unique(); // random name in the attachment store
    t.string('file_name', 255).notNullable(); // as uploaded, shown escaped
    t.string('content_type', 127).notNullable();
    t.bigInteger('size_bytes').notNullable();
    t.string('sha256', 64).notNullable();
    t.bigInteger('created_at').notNullable();
    t.index(['ticket_id'], 'attachments_ticket_idx');
    t.index(['message_id'], 'attachments_message_idx');
  });

  // The ticket history and the audit trail are the same rows.
  await db.schema.createTable('ticket_events', (t) => {
    t.bigIncrements('id').primary();
    t.bigInteger('ticket_id').unsigned().notNullable().references('id').inTable('tickets').onDelete('CASCADE');
    t.string('type', 40).notNullable();
    t.string('actor_type', 10).notNullable(); // staff | customer | system
    t.bigInteger('actor_id');
    t.text('data'); // JSON: what changed, from and to
    t.bigInteger('created_at').notNullable();
    t.index(['ticket_id', 'id'], 'ticket_events_ticket_idx');
    t.index(['created_at'], 'ticket_events_created_idx');
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTableIfExists('ticket_events');
  await db.schema.dropTableIfExists('attachments');
  await db.schema.dropTableIfExists('messages');
  await db.schema.dropTableIfExists('tickets');
}
