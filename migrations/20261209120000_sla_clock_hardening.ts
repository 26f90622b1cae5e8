import type { Knex } from 'knex';
import { dropIndexIfExists } from '../src/db/indexes';

/**
 * SLA clocks hardened (issue 13 review): a clock of a closed or merged ticket is stopped
 * (`stopped_at`), not deleted; first and next response are read by (ticket_id, kind, id) instead
 * of every message of the ticket; calendars and policies carry the form's one-time key, so a
 * double submit creates one; and `sla_resync` (one row) counts policy and calendar edits and
 * keeps the resync job's lease and cursor over the open tickets.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('sla_clocks', (t) => {
    t.bigInteger('stopped_at'); // the ticket was closed or merged while this clock was not met
  });
  await db.schema.alterTable('messages', (t) => {
    t.index(['ticket_id', 'kind', 'id'], 'messages_ticket_kind_idx');
  });
  for (const table of ['sla_calendars', 'sla_policies'] as const) {
    await db.schema.alterTable(table, (t) => {
      t.string('submission_key', 64).unique(`${table}_submission_key_unique`);
    });
  }
  await db.schema.createTable('sla_resync', (t) => {
    t.integer('id').primary(); // always 1
    t.bigInteger('revision').notNullable().defaultTo(0); // counts policy and calendar edits
    t.bigInteger('synced_revision').notNullable().defaultTo(0); // every open ticket recomputed up to this
    t.bigInteger('pass_revision').notNullable().defaultTo(0); // the revision the pass in progress works for
    t.bigInteger('cursor').notNullable().defaultTo(0); // the last ticket id that pass recomputed
    t.bigInteger('lease_until');
    t.string('leased_by', 64);
    t.bigInteger('updated_at').notNullable();
  });
  await db('sla_resync').insert({ id: 1, revision: 0, synced_revision: 0, pass_revision: 0, cursor: 0, updated_at: 0 });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTableIfExists('sla_resync');
  for (const table of ['sla_calendars', 'sla_policies'] as const) {
    if (!(await db.schema.hasColumn(table, 'submission_key'))) continue;
    await db.schema.alterTable(table, (t) => {
      t.dropUnique(['submission_key'], `${table}_submission_key_unique`);
      t.dropColumn('submission_key');
    });
  }
  await dropIndexIfExists(db, 'messages', 'messages_ticket_kind_idx');
  if (await db.schema.hasColumn('sla_clocks', 'stopped_at')) {
    await db.schema.alterTable('sla_clocks', (t) => {
      t.dropColumn('stopped_at');
    });
  }
}
