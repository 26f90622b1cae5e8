import type { Knex } from 'knex';

/** Custom field definitions and values, canned responses, and the outgoing mail queue. */
export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('custom_fields', (t) => {
    t.increments('id').primary();
    t.string('label', 120).notNullable();
    t.string('type', 20).notNullable(); // text | textarea | select | radio | checkbox | date | email
    t.text('options'); // JSON list for select, radio, checkbox
    t.string('requirement', 10).notNullable().defaultTo('optional'); // optional | required | staff
    t.string('placement', 10).notNullable().defaultTo('after'); // before | after the message
    t.boolean('visible_to_customer').notNullable().defaultTo(true);
    t.boolean('all_categories').notNullable().defaultTo(true);
    t.integer('sort_order').notNullable().defaultTo(0);
    t.boolean('is_active').notNullable().defaultTo(true); // removed fields keep their values
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
  });

  await db.schema.createTable('custom_field_categories', (t) => {
    t.integer('field_id').unsigned().notNullable().references('id').inTable('custom_fields').onDelete('CASCADE');
    t.integer('category_id').unsigned().notNullable().references('id').inTable('categories').onDelete('CASCADE');
    t.primary(['field_id', 'category_id']);
    t.index(['category_id']);
  });

  await db.schema.createTable('custom_field_values', (t) => {
    t.bigInteger('ticket_id').unsigned().notNullable().references('id').inTable('tickets').onDelete('CASCADE');
    t.integer('field_id').unsigned().notNullable().references('id').inTable('custom_fields').onDelete('CASCADE');
    t.text('value').notNullable();
    t.primary(['ticket_id', 'field_id']);
    t.index(['field_id']);
  });

  await db.schema.createTable('canned_responses', (t) => {
    t.increments('id').primary();
    t.string('title', 191).notNullable();
    t.text('body').notNullable();
    t.string('folder', 120);
    t.integer('owner_staff_id').unsigned().references('id').inTable('staff_users').onDelete('CASCADE'); // null: shared
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
    t.index(['owner_staff_id', 'title']);
  });

  await db.schema.createTable('mail_outbox', (t) => {
    t.bigIncrements('id').primary();
    t.bigInteger('ticket_id').unsigned().references('id').inTable('tickets').onDelete('SET NULL');
    t.bigInteger('message_id').unsigned().references('id').inTable('messages').onDelete('SET NULL');
    t.string('template', 64).notNullable();
    t.string('to_address', 320).notNullable();
    t.text('subject').notNullable();
    t.text('body_text', 'mediumtext').notNullable();
    t.text('body_html', 'mediumtext');
    t.text('headers'); // JSON of extra headers, built only from validated values
    t.string('email_message_id', 191).notNullable();
    t.string('status', 10).notNullable().defaultTo('queued'); // queued | deferred | sent | failed
    t.integer('attempts').notNullable().defaultTo(0);
    t.bigInteger('next_attempt_at').notNullable();
    t.bigInteger('lease_until'); // a worker's claim; expired leases are free again
    t.string('leased_by', 64);
    t.text('last_error');
    t.text('server_response');
    t.bigInteger('sent_at');
    t.bigInteger('created_at').notNullable();
    t.index(['status', 'next_attempt_at'], 'mail_outbox_due_idx');
    t.index(['ticket_id'], 'mail_outbox_ticket_idx');
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTableIfExists('mail_outbox');
  await db.schema.dropTableIfExists('canned_responses');
  await db.schema.dropTableIfExists('custom_field_values');
  await db.schema.dropTableIfExists('custom_field_categories');
  await db.schema.dropTableIfExists('custom_fields');
}
