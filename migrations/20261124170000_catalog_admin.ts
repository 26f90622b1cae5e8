import type { Knex } from 'knex';

/**
 * What the catalog administration needs: names per language (JSON text, `{ "sk": "…" }`; the
 * plain `name`/`label` column stays the default language's name and the fallback), and on
 * categories the default due time and the auto-assignment rule with its round-robin turn, kept in
 * the database so several instances share one rotation.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('categories', (t) => {
    t.text('names');
    t.integer('due_hours'); // null: tickets get no due date from the category
    t.string('auto_assign', 16).notNullable().defaultTo('none'); // none | round_robin | least_loaded
    t.integer('assign_turn').notNullable().defaultTo(0);
  });
  await db.schema.alterTable('statuses', (t) => {
    t.text('names');
  });
  await db.schema.alterTable('priorities', (t) => {
    t.text('names');
  });
  await db.schema.alterTable('custom_fields', (t) => {
    t.text('labels');
    t.text('hints');
  });
}

export async function down(db: Knex): Promise<void> {
  const drop = async (table: string, columns: string[]) => {
    for (const column of columns)
      if (await db.schema.hasColumn(table, column)) await db.schema.alterTable(table, (t) => t.dropColumn(column));
  };
  await drop('custom_fields', ['labels', 'hints']);
  await drop('priorities', ['names']);
  await drop('statuses', ['names']);
  await drop('categories', ['names', 'due_hours', 'auto_assign', 'assign_turn']);
}
