import type { Knex } from 'knex';
import { insertReturningId } from '../db/insert';

export type CategoryRow = { id: number; name: string; description: string | null; tier: number; is_public: boolean | number; default_priority_id: number | null; escalate_to_id: number | null };

const columns = ['id', 'name', 'description', 'tier', 'is_public', 'default_priority_id', 'escalate_to_id'];

export async function insertCategory(
  trx: Knex,
  row: { name: string; description: string | null; tier: number; is_public: boolean; default_priority_id: number | null; sort_order: number },
  now: number,
): Promise<number> {
  return insertReturningId(trx, 'categories', { ...row, is_active: true, created_at: now, updated_at: now });
}

export async function listPublicCategories(db: Knex): Promise<CategoryRow[]> {
  return db('categories').where({ is_active: true, is_public: true }).orderBy([{ column: 'sort_order' }, { column: 'name' }]).select<CategoryRow[]>(columns);
}

export async function findActiveCategory(db: Knex, id: number): Promise<CategoryRow | undefined> {
  return db('categories').where({ id, is_active: true }).first<CategoryRow | undefined>(columns);
}

/** Staff who may work a category: admins, and staff given access to it; active accounts only. */
export async function staffForCategory(db: Knex, categoryId: number): Promise<Array<{ id: number; email: string; name: string; language: string }>> {
  return db('staff_users as s')
    .where('s.is_active', true)
    .andWhere((q) => q.where('s.is_admin', true).orWhereExists(db('staff_categories as sc').whereRaw('sc.staff_id = s.id').andWhere('sc.category_id', categoryId)))
    .select('s.id', 's.email', 's.name', 's.language');
}

/** Active categories, public or not, for staff lists and filters. */
export async function listActiveCategories(db: Knex): Promise<CategoryRow[]> {
  return db('categories').where({ is_active: true }).orderBy([{ column: 'sort_order' }, { column: 'name' }]).select<CategoryRow[]>(columns);
}
