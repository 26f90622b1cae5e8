import type { Knex } from 'knex';
import { clientOf } from '../src/db/dialect';
import { dropIndexIfExists } from '../src/db/indexes';

/**
 * The staff list sorted by tier or by customer name. (tier, status_id, updated_at) reads one
 * tier's open tickets newest first, like the other filter indexes (a tier with no open tickets
 * then costs one index probe, not a walk over every ticket). customers (name, id), caseless like
 * the subject index, gives the customers in name order, whose tickets are read a batch at a time.
 */
export async function up(db: Knex): Promise<void> {
  const client = clientOf(db);
  await db.raw('CREATE INDEX tickets_tier_status_updated_idx ON tickets (tier, status_id, updated_at)');
  if (client === 'sqlite') await db.raw('CREATE INDEX customers_name_idx ON customers (name COLLATE NOCASE, id)');
  else if (client === 'postgres') await db.raw('CREATE INDEX customers_name_idx ON customers (lower(name), id)');
  else await db.raw('CREATE INDEX customers_name_idx ON customers (name, id)');
}

export async function down(db: Knex): Promise<void> {
  await dropIndexIfExists(db, 'customers', 'customers_name_idx');
  await dropIndexIfExists(db, 'tickets', 'tickets_tier_status_updated_idx');
}
