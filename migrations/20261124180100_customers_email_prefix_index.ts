import type { Knex } from 'knex';

/**
 * PostgreSQL uses a plain index for `LIKE 'prefix%'` only under the C collation; with any other
 * (en_US.UTF-8, the usual) the staff search by the start of an e-mail address and the privacy
 * page's customer lookup read every customer. A pattern_ops index serves them whatever the
 * collation. MySQL/MariaDB and SQLite (GLOB, src/db/like.ts) use the existing unique index.
 */
export async function up(db: Knex): Promise<void> {
  if (String(db.client.config.client) !== 'pg') return;
  await db.raw('CREATE INDEX customers_email_prefix_idx ON customers (email varchar_pattern_ops)');
}

export async function down(db: Knex): Promise<void> {
  if (String(db.client.config.client) !== 'pg') return;
  await db.raw('DROP INDEX IF EXISTS customers_email_prefix_idx');
}
