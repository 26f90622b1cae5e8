import type { Knex } from 'knex';
import { clientOf } from '../src/db/dialect';

/**
 * The addresses that follow a ticket beside its customer (issue 11): their mail threaded to the
 * ticket lands on it, and staff replies are copied to them. One row per ticket and address
 * (unique, so two imports or two clicks add one), capped per ticket by the service. Addresses
 * are stored lower-cased and, on MySQL/MariaDB, with the binary collation: compared exactly, like
 * every other address column (see 20261206140100). The email index serves the privacy tools,
 * which find a person's rows by address. Gone with the ticket (cascade).
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('ticket_followers', (t) => {
    t.bigIncrements('id').primary();
    t.bigInteger('ticket_id').unsigned().notNullable().references('id').inTable('tickets').onDelete('CASCADE');
    t.string('email', 191).notNullable();
    t.bigInteger('added_by_staff_id'); // null: added from the Cc of the ticket's first mail
    t.bigInteger('created_at').notNullable();
    t.unique(['ticket_id', 'email'], { indexName: 'ticket_followers_ticket_email_uq' });
    t.index(['email'], 'ticket_followers_email_idx');
  });
  if (clientOf(db) === 'mysql')
    await db.raw(
      'ALTER TABLE ticket_followers MODIFY email VARCHAR(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL',
    );
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTable('ticket_followers');
}
