import type { Knex } from 'knex';

/**
 * An escalation level is added once per form showing (review 7 finding 7): the add form carries a
 * one-time key, kept in a unique column, so a double click or a retried POST makes one level.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('sla_escalation_levels', (t) => {
    t.string('submission_key', 64).unique('sla_escalation_levels_submission_key_unique');
  });
}

export async function down(db: Knex): Promise<void> {
  if (!(await db.schema.hasColumn('sla_escalation_levels', 'submission_key'))) return;
  await db.schema.alterTable('sla_escalation_levels', (t) => {
    t.dropUnique(['submission_key'], 'sla_escalation_levels_submission_key_unique');
    t.dropColumn('submission_key');
  });
}
