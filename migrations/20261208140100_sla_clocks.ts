import type { Knex } from 'knex';

/**
 * Per-ticket SLA clocks (issue 13) and the statuses that stop them. One row per ticket and
 * target kind; a running clock has `running_since` and `due_at`, a paused one neither. The
 * breach job reads running, not yet breached clocks by (breached_at, due_at), so it touches
 * only what is due, at any number of tickets.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('statuses', (t) => {
    t.boolean('pauses_sla').notNullable().defaultTo(false);
  });
  await db('statuses').whereIn('key', ['waiting', 'on_hold']).update({ pauses_sla: true });
  await db.schema.createTable('sla_clocks', (t) => {
    t.bigIncrements('id').primary();
    t.bigInteger('ticket_id').unsigned().notNullable().references('id').inTable('tickets').onDelete('CASCADE');
    t.string('kind', 12).notNullable(); // first | next | resolution
    t.integer('policy_id').unsigned().references('id').inTable('sla_policies').onDelete('SET NULL');
    t.bigInteger('target_ms').notNullable();
    t.bigInteger('started_at').notNullable();
    t.bigInteger('used_ms').notNullable().defaultTo(0); // business time used before running_since
    t.bigInteger('running_since'); // null: paused or stopped
    t.bigInteger('due_at'); // while running
    t.bigInteger('met_at');
    t.bigInteger('breached_at');
    t.bigInteger('updated_at').notNullable();
    t.unique(['ticket_id', 'kind']);
    t.index(['breached_at', 'due_at'], 'sla_clocks_breach_scan');
    t.index(['due_at'], 'sla_clocks_due');
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTableIfExists('sla_clocks');
  if (await db.schema.hasColumn('statuses', 'pauses_sla')) {
    await db.schema.alterTable('statuses', (t) => {
      t.dropColumn('pauses_sla');
    });
  }
}
