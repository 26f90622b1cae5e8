import type { Knex } from 'knex';

/**
 * IMAP IDLE: one process at a time keeps a listening connection to an IMAP mailbox, under a
 * lease of its own (`listen_until` / `listened_by`), separate from the fetch lease of a run: the
 * listener holds its lease for hours, while every fetch (woken by the listener or by the poll)
 * still claims the fetch lease for its run. `listening_since`: the IDLE connection is up (what
 * /admin/mailboxes shows). `idle_missing`: the server offered no IDLE; the mailbox is polled
 * only, until its settings are saved again.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('mailboxes', (t) => {
    t.bigInteger('listen_until');
    t.string('listened_by', 64);
    t.bigInteger('listening_since');
    t.boolean('idle_missing').notNullable().defaultTo(false);
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('mailboxes', (t) => {
    t.dropColumn('listen_until');
    t.dropColumn('listened_by');
    t.dropColumn('listening_since');
    t.dropColumn('idle_missing');
  });
}
