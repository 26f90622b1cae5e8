import type { Knex } from 'knex';

/**
 * One row per `npm run backup` (issue 15): when it ran, where the archive went, how big it is,
 * and whether it finished, so the admin page can say when the last good backup was made.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('backup_runs', (t) => {
    t.bigIncrements('id').primary();
    t.bigInteger('started_at').notNullable();
    t.bigInteger('finished_at').notNullable();
    t.string('status', 10).notNullable(); // ok | failed
    t.text('file').notNullable();
    t.bigInteger('bytes');
    t.bigInteger('rows_total');
    t.integer('files');
    t.string('schema_version', 191);
    t.text('error');
    t.index(['finished_at'], 'backup_runs_finished');
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTableIfExists('backup_runs');
}
