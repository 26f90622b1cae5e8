import type { Knex } from 'knex';

/**
 * Full-text search over customer names and custom field values, with each database's engine,
 * like the subject and message index: PostgreSQL generated tsvector columns with GIN indexes,
 * MySQL/MariaDB FULLTEXT indexes, SQLite FTS5 tables kept by triggers.
 *
 * On SQLite custom field values have no integer key of their own (VACUUM may renumber the
 * rowid of such a table), so their FTS table holds one row per ticket, keyed by the ticket id,
 * with all of its values; each change to a ticket's values rebuilds that ticket's row.
 */
export async function up(db: Knex): Promise<void> {
  const client = String(db.client.config.client);
  if (client === 'pg') {
    await db.raw(
      `ALTER TABLE customers ADD COLUMN name_tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', name)) STORED`,
    );
    await db.raw('CREATE INDEX customers_name_tsv_idx ON customers USING GIN (name_tsv)');
    await db.raw(
      `ALTER TABLE custom_field_values ADD COLUMN value_tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', value)) STORED`,
    );
    await db.raw('CREATE INDEX custom_field_values_tsv_idx ON custom_field_values USING GIN (value_tsv)');
  } else if (client === 'mysql2' || client === 'mysql') {
    await db.raw('ALTER TABLE customers ADD FULLTEXT INDEX customers_name_ft (name)');
    await db.raw('ALTER TABLE custom_field_values ADD FULLTEXT INDEX custom_field_values_ft (value)');
  } else {
    const tokenize = `tokenize='unicode61 remove_diacritics 2'`;
    await db.raw(
      `CREATE VIRTUAL TABLE customers_fts USING fts5(name, content='customers', content_rowid='id', ${tokenize})`,
    );
    await db.raw(
      'CREATE TRIGGER customers_fts_ai AFTER INSERT ON customers BEGIN INSERT INTO customers_fts(rowid, name) VALUES (new.id, new.name); END',
    );
    await db.raw(
      `CREATE TRIGGER customers_fts_ad AFTER DELETE ON customers BEGIN INSERT INTO customers_fts(customers_fts, rowid, name) VALUES ('delete', old.id, old.name); END`,
    );
    await db.raw(
      `CREATE TRIGGER customers_fts_au AFTER UPDATE OF name ON customers BEGIN INSERT INTO customers_fts(customers_fts, rowid, name) VALUES ('delete', old.id, old.name); INSERT INTO customers_fts(rowid, name) VALUES (new.id, new.name); END`,
    );
    await db.raw(`INSERT INTO customers_fts(customers_fts) VALUES ('rebuild')`);

    await db.raw(`CREATE VIRTUAL TABLE field_values_fts USING fts5(body, ${tokenize})`);
    const rebuild = (ticket: string) =>
      `DELETE FROM field_values_fts WHERE rowid = ${ticket}; ` +
      `INSERT INTO field_values_fts(rowid, body) SELECT ticket_id, group_concat(value, ' ') FROM custom_field_values WHERE ticket_id = ${ticket} GROUP BY ticket_id;`;
    await db.raw(
      `CREATE TRIGGER field_values_fts_ai AFTER INSERT ON custom_field_values BEGIN ${rebuild('new.ticket_id')} END`,
    );
    await db.raw(
      `CREATE TRIGGER field_values_fts_ad AFTER DELETE ON custom_field_values BEGIN ${rebuild('old.ticket_id')} END`,
    );
    await db.raw(
      `CREATE TRIGGER field_values_fts_au AFTER UPDATE ON custom_field_values BEGIN ${rebuild('old.ticket_id')} ${rebuild('new.ticket_id')} END`,
    );
    await db.raw(
      `INSERT INTO field_values_fts(rowid, body) SELECT ticket_id, group_concat(value, ' ') FROM custom_field_values GROUP BY ticket_id`,
    );
  }
}

export async function down(db: Knex): Promise<void> {
  const client = String(db.client.config.client);
  if (client === 'pg') {
    await db.raw('ALTER TABLE IF EXISTS custom_field_values DROP COLUMN IF EXISTS value_tsv');
    await db.raw('ALTER TABLE IF EXISTS customers DROP COLUMN IF EXISTS name_tsv');
  } else if (client === 'mysql2' || client === 'mysql') {
    for (const [table, index] of [
      ['custom_field_values', 'custom_field_values_ft'],
      ['customers', 'customers_name_ft'],
    ] as const) {
      const [rows] = (await db.raw(
        'SELECT COUNT(*) AS n FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name = ? AND index_name = ?',
        [table, index],
      )) as [Array<{ n: number }>];
      if (Number(rows[0]?.n) > 0) await db.raw(`ALTER TABLE ${table} DROP INDEX ${index}`);
    }
  } else {
    for (const fts of ['field_values_fts', 'customers_fts']) {
      for (const suffix of ['ai', 'ad', 'au']) await db.raw(`DROP TRIGGER IF EXISTS ${fts}_${suffix}`);
      await db.raw(`DROP TABLE IF EXISTS ${fts}`);
    }
  }
}
