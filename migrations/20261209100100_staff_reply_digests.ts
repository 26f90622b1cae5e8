import type { Knex } from 'knex';

/**
 * Staff answers by e-mail recently added to a ticket, as a hash of (ticket, staff member,
 * normalized text): the same answer arriving again within a few minutes under a new Message-ID
 * (a replayed or re-sent mail) is not posted twice. Rows older than the window are deleted as
 * new ones come in (index on created_at).
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('staff_reply_digests', (t) => {
    t.string('digest', 64).primary();
    t.bigInteger('created_at').notNullable();
    t.index(['created_at'], 'staff_reply_digests_created_idx');
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTableIfExists('staff_reply_digests');
}
