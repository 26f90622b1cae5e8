import type { Knex } from 'knex';

/**
 * Escalation rules of SLA policies (issue 13 item 3). A level fires at a share of a clock's
 * target (100 = at the breach) and does one action. The job reads only clocks whose next
 * trigger is due, through `sla_escalation_due (next_at)`; each action is recorded once per
 * ticket, clock, clock cycle (a next-response clock starts a new cycle) and level, by the unique
 * key of `sla_escalations_done`, in the transaction of the action. `job_leases` keeps one
 * process at a time on a job across every process of the desk.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('sla_escalation_levels', (t) => {
    t.increments('id').primary();
    t.integer('policy_id').unsigned().notNullable().references('id').inTable('sla_policies').onDelete('CASCADE');
    t.string('kind', 12).notNullable(); // first | next | resolution
    t.integer('at_percent').notNullable(); // 1..100; 100 is the breach
    t.string('action', 24).notNullable();
    t.integer('staff_id').unsigned().references('id').inTable('staff_users').onDelete('CASCADE'); // notify_staff, reassign
    t.bigInteger('created_at').notNullable();
    t.index(['policy_id'], 'sla_escalation_levels_policy');
  });
  await db.schema.createTable('sla_escalation_due', (t) => {
    t.bigInteger('clock_id').unsigned().primary().references('id').inTable('sla_clocks').onDelete('CASCADE');
    t.bigInteger('ticket_id').unsigned().notNullable().references('id').inTable('tickets').onDelete('CASCADE');
    t.bigInteger('next_at').notNullable();
    t.index(['next_at'], 'sla_escalation_due_next');
    t.index(['ticket_id'], 'sla_escalation_due_ticket');
  });
  await db.schema.createTable('sla_escalations_done', (t) => {
    t.bigIncrements('id').primary();
    t.bigInteger('ticket_id').unsigned().notNullable().references('id').inTable('tickets').onDelete('CASCADE');
    t.string('kind', 12).notNullable();
    t.integer('level_id')
      .unsigned()
      .notNullable()
      .references('id')
      .inTable('sla_escalation_levels')
      .onDelete('CASCADE');
    t.bigInteger('cycle_started_at').notNullable();
    t.bigInteger('done_at').notNullable();
    t.unique(['ticket_id', 'kind', 'level_id', 'cycle_started_at'], { indexName: 'sla_escalations_done_once' });
    t.index(['level_id'], 'sla_escalations_done_level');
  });
  await db.schema.createTable('job_leases', (t) => {
    t.string('name', 64).primary();
    t.string('holder', 64).notNullable();
    t.bigInteger('until').notNullable();
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTableIfExists('job_leases');
  await db.schema.dropTableIfExists('sla_escalations_done');
  await db.schema.dropTableIfExists('sla_escalation_due');
  await db.schema.dropTableIfExists('sla_escalation_levels');
}
