import type { Knex } from 'knex';

/**
 * The envelope recipient the pipe was given (`mail:pipe --recipient`), kept with the mail so
 * that retrying a kept-aside mail judges it as the first import did: a staff answer by e-mail
 * is recognised only by the address the mail server delivered it to.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('inbound_mails', (t) => {
    t.string('envelope_recipient', 254);
  });
}

export async function down(db: Knex): Promise<void> {
  if (await db.schema.hasColumn('inbound_mails', 'envelope_recipient')) {
    await db.schema.alterTable('inbound_mails', (t) => {
      t.dropColumn('envelope_recipient');
    });
  }
}
