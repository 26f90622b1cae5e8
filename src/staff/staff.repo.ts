import type { Knex } from 'knex';
import { insertReturningId } from '../db/insert';
import { capabilities, defaultStaffCapabilities, type Capability } from './capabilities';

export type StaffRow = {
  id: number;
  email: string;
  name: string;
  password_hash: string;
  is_admin: boolean | number;
  is_active: boolean | number;
  language: string;
};

export type Staff = { id: number; email: string; name: string; isAdmin: boolean; isActive: boolean; language: string; capabilities: readonly Capability[] };

export function toStaff(row: StaffRow): Staff {
  return {
    id: Number(row.id),
    email: row.email,
    name: row.name,
    isAdmin: Boolean(row.is_admin),
    isActive: Boolean(row.is_active),
    language: row.language,
    capabilities: row.is_admin ? capabilities : defaultStaffCapabilities,
  };
}

const columns = ['id', 'email', 'name', 'password_hash', 'is_admin', 'is_active', 'language'];

export async function findStaffByEmail(db: Knex, email: string): Promise<StaffRow | undefined> {
  return db('staff_users').where({ email: email.toLowerCase() }).first<StaffRow | undefined>(columns);
}

export async function findStaffById(db: Knex, id: number): Promise<StaffRow | undefined> {
  return db('staff_users').where({ id }).first<StaffRow | undefined>(columns);
}

export async function insertStaff(
  db: Knex,
  input: { email: string; name: string; passwordHash: string; isAdmin: boolean; language: string },
  now: number,
): Promise<number> {
  return insertReturningId(db, 'staff_users', {
      email: input.email.toLowerCase(),
      name: input.name,
      password_hash: input.passwordHash,
      is_admin: input.isAdmin,
      is_active: true,
      language: input.language,
      created_at: now,
      updated_at: now,
  });
}

export async function recordLogin(db: Knex, id: number, now: number): Promise<void> {
  await db('staff_users').where({ id }).update({ last_login_at: now });
}

export async function countAdmins(db: Knex): Promise<number> {
  const row = await db('staff_users').where({ is_admin: true, is_active: true }).count<{ n: number }[]>({ n: '*' });
  return Number(row[0]?.n ?? 0);
}

/** Active staff, for "assign to" lists. */
export async function listActiveStaff(db: Knex): Promise<Array<{ id: number; name: string }>> {
  const rows = await db('staff_users').where({ is_active: true }).orderBy('name').select('id', 'name');
  return rows.map((r: { id: number; name: string }) => ({ id: Number(r.id), name: r.name }));
}
