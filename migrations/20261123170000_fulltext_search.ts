import type { Knex } from 'knex';

/**
 * Full-text search over ticket subjects and message bodies, with each database's own engine:
 * PostgreSQL tsvector columns with GIN indexes, MySQL/MariaDB FULLTEXT indexes, SQLite FTS5
 * tables kept in step by triggers. The 'simple' / unicode61 tokenizers do not stem, so a help
 * desk in five languages finds words as they were written.
 */
export async function up(db: Knex): Promise<void> {
  const client = String(db.client.config.client);
  if (client === 'pg') {
    await db.raw(
      `ALTER TABLE tickets ADD COLUMN subject_tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', subject)) STORED`,
    );
    await db.raw('CREATE INDEX tickets_subject_tsv_idx ON tickets USING GIN (subject_tsv)');
    await db.raw(
      `ALTER TABLE messages ADD COLUMN body_tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', body)) STORED`,
    );
    await db.raw('CREATE INDEX messages_body_tsv_idx ON messages USING GIN (body_tsv)');
  } else if (client === 'mysql2' || client === 'mysql') {
    await db.raw('ALTER TABLE tickets ADD FULLTEXT INDEX tickets_subject_ft (subject)');
    await db.raw('ALTER TABLE messages ADD FULLTEXT INDEX messages_body_ft (body)');
  } else {
    for (const [table, column] of [
      ['tickets', 'subject'],
      ['messages', 'body'],
    ] as const) {
      const fts = `${table}_fts`;
      await db.raw(
        `CREATE VIRTUAL TABLE ${fts} USING fts5(${column}, content='${table}', content_rowid='id', tokenize='unicode61 remove_diacritics 2')`,
      );
      await db.raw(
        `CREATE TRIGGER ${fts}_ai AFTER INSERT ON ${table} BEGIN INSERT INTO ${fts}(rowid, ${column}) VALUES (new.id, new.${column}); END`,
      );
      await db.raw(
        `CREATE TRIGGER ${fts}_ad AFTER DELETE ON ${table} BEGIN INSERT INTO ${fts}(${fts}, rowid, ${column}) VALUES ('delete', old.id, old.${column}); END`,
      );
      await db.raw(
        `CREATE TRIGGER ${fts}_au AFTER UPDATE OF ${column} ON ${table} BEGIN INSERT INTO ${fts}(${fts}, rowid, ${column}) VALUES ('delete', old.id, old.${column}); INSERT INTO ${fts}(rowid, ${column}) VALUES (new.id, new.${column}); END`,
      );
      await db.raw(`INSERT INTO ${fts}(${fts}) VALUES ('rebuild')`);
    }
  }
}

export async function down(db: Knex): Promise<void> {
  const client = String(db.client.config.client);
  if (client === 'pg') {
    await db.raw('ALTER TABLE IF EXISTS messages DROP COLUMN IF EXISTS body_tsv');
    await db.raw('ALTER TABLE IF EXISTS tickets DROP COLUMN IF EXISTS subject_tsv');
  } else if (client === 'mysql2' || client === 'mysql') {
    for (const [table, index] of [
      ['messages', 'messages_body_ft'],
      ['tickets', 'tickets_subject_ft'],
    ] as const) {
      const [rows] = (await db.raw(
        'SELECT COUNT(*) AS n FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name = ? AND index_name = ?',
        [table, index],
      )) as [Array<{ n: number }>];
      if (Number(rows[0]?.n) > 0) await db.raw(`ALTER TABLE ${table} DROP INDEX ${index}`);
    }
  } else {
    for (const fts of ['messages_fts', 'tickets_fts']) {
      for (const suffix of ['ai', 'ad', 'au']) await db.raw(`DROP TRIGGER IF EXISTS ${fts}_${suffix}`);
      await db.raw(`DROP TABLE IF EXISTS ${fts}`);
    }
  }
}
