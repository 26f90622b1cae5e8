import type { Knex } from 'knex';

/** The categories a staff member may work: all for admins, else those given to them. */
export async function visibleCategoryIds(db: Knex, staff: { id: number; isAdmin: boolean }): Promise<number[] | 'all'> {
  if (staff.isAdmin) return 'all';
  return (await db('staff_categories').where({ staff_id: staff.id }).pluck('category_id')).map(Number);
}
