import type { Knex } from 'knex';

/** True when the database answers a trivial query (for /readyz). */
export async function pingDatabase(db: Knex): Promise<boolean> {
  try {
    await db.raw('select 1');
    return true;
  } catch {
    return false;
  }
}
