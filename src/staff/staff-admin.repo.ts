import type { Knex } from 'knex';
import { lockedForUpdate } from '../db/dialect';

/** One row of the staff list, and what the edit form starts from. */
export type StaffListRow = {
  id: number;
  name: string;
  email: string;
  isAdmin: boolean;
  isActive: boolean;
  roleId: number | null;
  roleName: string | null;
  lastLoginAt: number | null;
  invited: boolean;
  categoryIds: number[];
};

type Row = {
  id: number;
  name: string;
  email: string;
  is_admin: boolean | number;
  is_active: boolean | number;
  role_id: number | null;
  role_name: string | null;
  last_login_at: number | null;
  invited_at: number | null;
};

const toRow = (r: Row, categoryIds: number[]): StaffListRow => ({
  id: Number(r.id),
  name: r.name,
  email: r.email,
  isAdmin: Boolean(r.is_admin),
  isActive: Boolean(r.is_active),
  roleId: r.role_id === null ? null : Number(r.role_id),
  roleName: r.role_name,
  lastLoginAt: r.last_login_at === null ? null : Number(r.last_login_at),
  invited: r.invited_at !== null,
  categoryIds,
});

const select = (db: Knex) =>
  db('staff_users')
    .leftJoin('roles', 'roles.id', 'staff_users.role_id')
    .select(
      'staff_users.id',
      'staff_users.name',
      'staff_users.email',
      'staff_users.is_admin',
      'staff_users.is_active',
      'staff_users.role_id',
      'roles.name as role_name',
      'staff_users.last_login_at',
      'staff_users.invited_at',
    );

async function categoriesOf(db: Knex, staffIds: number[]): Promise<Map<number, number[]>> {
  const out = new Map<number, number[]>();
  if (staffIds.length === 0) return out;
  const rows = await db('staff_categories').whereIn('staff_id', staffIds).select('staff_id', 'category_id');
  for (const r of rows as Array<{ staff_id: number; category_id: number }>)
    out.set(Number(r.staff_id), [...(out.get(Number(r.staff_id)) ?? []), Number(r.category_id)]);
  return out;
}

/**
 * Every staff account, active first, by name. A help desk has tens of staff, not thousands: the
 * whole list is one page, and the categories come in one query for all of them.
 */
export async function listStaffForAdmin(db: Knex): Promise<StaffListRow[]> {
  const rows = (await select(db).orderBy([
    { column: 'staff_users.is_active', order: 'desc' },
    { column: 'staff_users.name' },
  ])) as Row[];
  const cats = await categoriesOf(
    db,
    rows.map((r) => Number(r.id)),
  );
  return rows.map((r) => toRow(r, cats.get(Number(r.id)) ?? []));
}

export async function findStaffForAdmin(db: Knex, id: number): Promise<StaffListRow | undefined> {
  const row = (await select(db).where('staff_users.id', id).first()) as Row | undefined;
  return row ? toRow(row, (await categoriesOf(db, [id])).get(id) ?? []) : undefined;
}

export async function emailTaken(db: Knex, email: string, exceptId: number | null): Promise<boolean> {
  const q = db('staff_users').where({ email: email.toLowerCase() });
  if (exceptId !== null) q.whereNot({ id: exceptId });
  return Boolean(await q.first('id'));
}

export async function existingCategoryIds(db: Knex, ids: number[]): Promise<number[]> {
  if (ids.length === 0) return [];
  return (await db('categories').whereIn('id', ids).pluck('id')).map(Number);
}

export async function updateStaffAccount(
  db: Knex,
  id: number,
  patch: Partial<{
    name: string;
    email: string;
    isAdmin: boolean;
    roleId: number | null;
    isActive: boolean;
    passwordHash: string;
    invitedAt: number | null;
  }>,
  now: number,
): Promise<void> {
  const columns: Record<string, unknown> = { updated_at: now };
  if (patch.name !== undefined) columns.name = patch.name;
  if (patch.email !== undefined) columns.email = patch.email.toLowerCase();
  if (patch.isAdmin !== undefined) columns.is_admin = patch.isAdmin;
  if (patch.roleId !== undefined) columns.role_id = patch.roleId;
  if (patch.isActive !== undefined) columns.is_active = patch.isActive;
  if (patch.passwordHash !== undefined) columns.password_hash = patch.passwordHash;
  if (patch.invitedAt !== undefined) columns.invited_at = patch.invitedAt;
  await db('staff_users').where({ id }).update(columns);
}

export async function replaceStaffCategories(db: Knex, staffId: number, categoryIds: number[]): Promise<void> {
  await db('staff_categories').where({ staff_id: staffId }).del();
  if (categoryIds.length)
    await db('staff_categories').insert(categoryIds.map((category_id) => ({ staff_id: staffId, category_id })));
}

/**
 * Active admins other than this one: the last admin may not lose the flag or be deactivated.
 * The active admins' rows are locked for the rest of the transaction (a few rows, held for one
 * update), so two admins removing each other at the same moment are checked one after the other
 * instead of both seeing the other still there.
 */
export async function countOtherActiveAdmins(db: Knex, exceptId: number): Promise<number> {
  const ids = await lockedForUpdate(db, db('staff_users').where({ is_admin: true, is_active: true }).select('id'));
  return (ids as Array<{ id: number }>).filter((r) => Number(r.id) !== exceptId).length;
}

/** Who has two-factor sign-in switched on (one query for the whole list). */
export async function staffWithTwoFactor(db: Knex): Promise<Set<number>> {
  return new Set((await db('staff_two_factor').whereNotNull('enabled_at').pluck('staff_id')).map(Number));
}
