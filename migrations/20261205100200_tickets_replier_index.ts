import type { Knex } from 'knex';
import { dropIndexIfExists } from '../src/db/indexes';

/**
 * The staff list sorted by last replier reads the tickets each staff member replied to last
 * (or whose replying staff member was deleted: type 'staff', no id) newest first, like the
 * other filter indexes: (last_replier_type, last_replier_staff_id, status_id, updated_at).
 */
export async function up(db: Knex): Promise<void> {
  await db.raw(
    'CREATE INDEX tickets_replier_status_updated_idx ON tickets (last_replier_type, last_replier_staff_id, status_id, updated_at)',
  );
}

export async function down(db: Knex): Promise<void> {
  await dropIndexIfExists(db, 'tickets', 'tickets_replier_status_updated_idx');
}
