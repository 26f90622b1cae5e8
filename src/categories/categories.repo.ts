import type { Knex } from 'knex';
import { insertReturningId } from '../db/insert';

export type CategoryRow = {
  id: number;
  name: string;
  description: string | null;
  tier: number;
  is_public: boolean | number;
  default_priority_id: number | null;
  escalate_to_id: number | null;
  /** The rules for a new ticket (ticket-routing.ts): read with the category, so creating a ticket reads it once. */
  due_hours: number | null;
  auto_assign: AutoAssign;
};

const columns = [
  'id',
  'name',
  'description',
  'tier',
  'is_public',
  'default_priority_id',
  'escalate_to_id',
  'due_hours',
  'auto_assign',
];

export async function insertCategory(
  trx: Knex,
  row: {
    name: string;
    description: string | null;
    tier: number;
    is_public: boolean;
    default_priority_id: number | null;
    sort_order: number;
  },
  now: number,
): Promise<number> {
  return insertReturningId(trx, 'categories', { ...row, is_active: true, created_at: now, updated_at: now });
}

export async function listPublicCategories(db: Knex): Promise<CategoryRow[]> {
  return db('categories')
    .where({ is_active: true, is_public: true })
    .orderBy([{ column: 'sort_order' }, { column: 'name' }])
    .select<CategoryRow[]>(columns);
}

export async function findActiveCategory(db: Knex, id: number): Promise<CategoryRow | undefined> {
  return db('categories').where({ id, is_active: true }).first<CategoryRow | undefined>(columns);
}

/** Staff who may work a category: admins, and staff given access to it; active accounts only. */
export async function staffForCategory(
  db: Knex,
  categoryId: number,
): Promise<Array<{ id: number; email: string; name: string; language: string }>> {
  return db('staff_users as s')
    .where('s.is_active', true)
    .andWhere((q) =>
      q
        .where('s.is_admin', true)
        .orWhereExists(
          db('staff_categories as sc').whereRaw('sc.staff_id = s.id').andWhere('sc.category_id', categoryId),
        ),
    )
    .select('s.id', 's.email', 's.name', 's.language');
}

/** Active categories, public or not, for staff lists and filters. */
export async function listActiveCategories(db: Knex): Promise<CategoryRow[]> {
  return db('categories')
    .where({ is_active: true })
    .orderBy([{ column: 'sort_order' }, { column: 'name' }])
    .select<CategoryRow[]>(columns);
}

export type AutoAssign = 'none' | 'round_robin' | 'least_loaded';

/** A category with everything the administration screen edits. */
export type CategoryAdminRow = CategoryRow & {
  names: string | null;
  sort_order: number;
  is_active: boolean | number;
  due_hours: number | null;
  auto_close_days: number | null;
  auto_assign: AutoAssign;
};

export type CategoryWrite = {
  name: string;
  names: string | null;
  description: string | null;
  tier: number;
  is_public: boolean;
  default_priority_id: number | null;
  escalate_to_id: number | null;
  due_hours: number | null;
  auto_close_days: number | null;
  auto_assign: AutoAssign;
  sort_order: number;
};

const adminColumns = [...columns, 'names', 'sort_order', 'is_active', 'auto_close_days'];

/** Every category, archived ones too, in display order (for the administration screen). */
export async function listAllCategories(db: Knex): Promise<CategoryAdminRow[]> {
  return db('categories')
    .orderBy([{ column: 'sort_order' }, { column: 'name' }, { column: 'id' }])
    .select<CategoryAdminRow[]>(adminColumns);
}

export async function findCategory(db: Knex, id: number): Promise<CategoryAdminRow | undefined> {
  return db('categories').where({ id }).first<CategoryAdminRow | undefined>(adminColumns);
}

export async function insertCategoryFull(trx: Knex, row: CategoryWrite, now: number): Promise<number> {
  return insertReturningId(trx, 'categories', { ...row, is_active: true, created_at: now, updated_at: now });
}

export async function updateCategory(
  trx: Knex,
  id: number,
  row: Partial<CategoryWrite> & { is_active?: boolean },
  now: number,
): Promise<void> {
  await trx('categories')
    .where({ id })
    .update({ ...row, updated_at: now });
}

/** The escalation targets of every category, to follow a chain without a query per step. */
export async function escalationLinks(db: Knex): Promise<Map<number, number | null>> {
  const rows = await db('categories').select<Array<{ id: number; escalate_to_id: number | null }>>(
    'id',
    'escalate_to_id',
  );
  return new Map(rows.map((r) => [Number(r.id), r.escalate_to_id == null ? null : Number(r.escalate_to_id)]));
}

/** Staff given this category explicitly (admins may work every category without a row). */
export async function staffIdsOfCategory(db: Knex, categoryId: number): Promise<number[]> {
  return (await db('staff_categories').where({ category_id: categoryId }).pluck('staff_id')).map(Number);
}

export async function replaceStaffOfCategory(trx: Knex, categoryId: number, staffIds: number[]): Promise<void> {
  await trx('staff_categories').where({ category_id: categoryId }).del();
  if (staffIds.length)
    await trx('staff_categories').insert(staffIds.map((staff_id) => ({ staff_id, category_id: categoryId })));
}

/**
 * The categories a ticket can be moved to, plus the one it is in even when that one is archived
 * (the select must show where the ticket is, and keeping it there is no move).
 */
export async function categoryChoicesFor(db: Knex, currentCategoryId: number): Promise<CategoryRow[]> {
  return db('categories')
    .where((q) => q.where({ is_active: true }).orWhere({ id: currentCategoryId }))
    .orderBy([{ column: 'sort_order' }, { column: 'name' }])
    .select<CategoryRow[]>(columns);
}
