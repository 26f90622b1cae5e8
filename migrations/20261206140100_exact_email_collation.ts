import type { Knex } from 'knex';
import { clientOf } from '../src/db/dialect';

/**
 * E-mail addresses are identities and are compared exactly. MySQL/MariaDB's utf8mb4_unicode_ci
 * folds accents and case, so `ädmin@example.com` found the account of `admin@example.com` (and
 * a customer row of one address stood for the other). The columns that hold addresses (stored
 * lower-cased by the app) get the binary collation: every `=`, `LIKE 'prefix%'` and unique
 * index on them is then exact and still served by the same indexes. PostgreSQL's and SQLite's
 * default comparisons are exact already.
 */
const columns = [
  { table: 'staff_users', column: 'email' },
  { table: 'customers', column: 'email' },
  { table: 'bans', column: 'value' },
];

async function collate(db: Knex, collation: string): Promise<void> {
  if (clientOf(db) !== 'mysql') return;
  for (const { table, column } of columns) {
    await db.raw(`ALTER TABLE ?? MODIFY ?? VARCHAR(191) CHARACTER SET utf8mb4 COLLATE ${collation} NOT NULL`, [
      table,
      column,
    ]);
  }
}

export async function up(db: Knex): Promise<void> {
  await collate(db, 'utf8mb4_bin');
}

export async function down(db: Knex): Promise<void> {
  await collate(db, 'utf8mb4_unicode_ci');
}
