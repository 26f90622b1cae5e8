import type { Knex } from 'knex';
import { clientOf } from '../src/db/dialect';
import { dropIndexIfExists } from '../src/db/indexes';

/**
 * The staff list sorts by subject from an index, ignoring case the same way on every database:
 * SQLite's NOCASE, PostgreSQL's lower() (its databases often use the C collation, which would put
 * every capital before every small letter), MySQL/MariaDB's own _ci collation of the column. The
 * ticket id ends each index, so a page is read in the order (subject, id) without a sort; on
 * MySQL/MariaDB a secondary index carries the primary key anyway, and the full 255 characters of
 * utf8mb4 (1,020 bytes) fit the 3,072-byte key limit of the DYNAMIC row format.
 *
 * PostgreSQL also gets the due date in the order every other database has it, no due date
 * lowest (ascending NULLS FIRST), so the due sort reads an index there too. The tracking ID is
 * read from its unique index.
 */
export async function up(db: Knex): Promise<void> {
  const client = clientOf(db);
  if (client === 'sqlite') await db.raw('CREATE INDEX tickets_subject_idx ON tickets (subject COLLATE NOCASE, id)');
  else if (client === 'postgres') {
    await db.raw('CREATE INDEX tickets_subject_idx ON tickets (lower(subject), id)');
    await db.raw('CREATE INDEX tickets_due_nulls_first_idx ON tickets (due_at ASC NULLS FIRST, id)');
  } else await db.raw('CREATE INDEX tickets_subject_idx ON tickets (subject, id)');
}

export async function down(db: Knex): Promise<void> {
  await dropIndexIfExists(db, 'tickets', 'tickets_subject_idx');
  await dropIndexIfExists(db, 'tickets', 'tickets_due_nulls_first_idx');
}
