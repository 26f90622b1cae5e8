import type { Knex } from 'knex';
import type { Capability } from './capabilities';

/**
 * The categories a staff member may work: all for admins, else those given to them. A role
 * without tickets.view sees none; that is known when the caller passes the signed-in staff
 * member (with capabilities), as every ticket page and list does.
 */
export async function visibleCategoryIds(
  db: Knex,
  staff: { id: number; isAdmin: boolean; capabilities?: readonly Capability[] },
): Promise<number[] | 'all'> {
  if (staff.isAdmin) return 'all';
  if (staff.capabilities && !staff.capabilities.includes('tickets.view')) return [];
  return (await db('staff_categories').where({ staff_id: staff.id }).pluck('category_id')).map(Number);
}
