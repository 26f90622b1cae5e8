import type { Knex } from 'knex';
import { insertReturningId } from '../db/insert';
import type { Capability } from './capabilities';
import { parseCapabilities } from './staff.repo';

export type Role = { id: number; name: string; capabilities: Capability[] };
export type RoleWithMembers = Role & { members: number };

const toRole = (r: { id: number; name: string; capabilities: string }): Role => ({
  id: Number(r.id),
  name: r.name,
  capabilities: parseCapabilities(r.capabilities),
});

/** Every custom role by name, with how many staff hold it (roles are few; staff_users_role_idx). */
export async function listRoles(db: Knex): Promise<RoleWithMembers[]> {
  const rows = await db('roles').orderBy('name').select('id', 'name', 'capabilities');
  const counts = await db('staff_users')
    .whereNotNull('role_id')
    .groupBy('role_id')
    .select('role_id')
    .count<Array<{ role_id: number; n: number }>>({ n: '*' });
  const byRole = new Map(counts.map((c) => [Number(c.role_id), Number(c.n)]));
  return rows.map((r: { id: number; name: string; capabilities: string }) => ({
    ...toRole(r),
    members: byRole.get(Number(r.id)) ?? 0,
  }));
}

export async function findRole(db: Knex, id: number): Promise<Role | undefined> {
  const row = await db('roles').where({ id }).first('id', 'name', 'capabilities');
  return row ? toRole(row) : undefined;
}

export async function roleNameTaken(db: Knex, name: string, exceptId: number | null): Promise<boolean> {
  const q = db('roles').whereRaw('lower(name) = ?', [name.toLowerCase()]);
  if (exceptId !== null) q.whereNot({ id: exceptId });
  return Boolean(await q.first('id'));
}

export async function insertRole(
  db: Knex,
  role: { name: string; capabilities: Capability[] },
  now: number,
): Promise<number> {
  return insertReturningId(db, 'roles', {
    name: role.name,
    capabilities: JSON.stringify(role.capabilities),
    created_at: now,
    updated_at: now,
  });
}

export async function updateRole(
  db: Knex,
  id: number,
  role: { name: string; capabilities: Capability[] },
  now: number,
): Promise<void> {
  await db('roles')
    .where({ id })
    .update({ name: role.name, capabilities: JSON.stringify(role.capabilities), updated_at: now });
}

export async function roleInUse(db: Knex, id: number): Promise<boolean> {
  return Boolean(await db('staff_users').where({ role_id: id }).first('id'));
}

export async function deleteRole(db: Knex, id: number): Promise<void> {
  await db('roles').where({ id }).del();
}
