import type { Knex } from 'knex';
import { dropIndexIfExists } from '../src/db/indexes';

/**
 * The soonest due time of a ticket's running SLA clocks, kept on the ticket by the clocks'
 * subscriber, so the staff list sorts by it and filters "breached" (due before now) and "due
 * soon" through an index, like the due date: (status_id, sla_due_at) for open tickets, and
 * (sla_due_at) for the sort's order.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('tickets', (t) => {
    t.bigInteger('sla_due_at');
    t.index(['sla_due_at'], 'tickets_sla_due_idx');
    t.index(['status_id', 'sla_due_at'], 'tickets_status_sla_due_idx');
  });
}

export async function down(db: Knex): Promise<void> {
  await dropIndexIfExists(db, 'tickets', 'tickets_status_sla_due_idx');
  await dropIndexIfExists(db, 'tickets', 'tickets_sla_due_idx');
  if (await db.schema.hasColumn('tickets', 'sla_due_at')) {
    await db.schema.alterTable('tickets', (t) => {
      t.dropColumn('sla_due_at');
    });
  }
}
