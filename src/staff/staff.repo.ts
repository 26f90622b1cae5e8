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
  role_id: number | null;
  /** The role's capabilities (JSON), joined from roles; null for staff without a role. */
  role_capabilities: string | null;
  sessions_valid_after: number | null;
};

export type Staff = {
  id: number;
  email: string;
  name: string;
  isAdmin: boolean;
  isActive: boolean;
  language: string;
  roleId: number | null;
  capabilities: readonly Capability[];
  /** Sessions signed in while the account had an older value are over (see session-validity.ts). */
  sessionsValidAfter: number | null;
};

/** A role's stored capability list; names a newer or older version does not know are ignored. */
export function parseCapabilities(json: string): Capability[] {
  try {
    const list: unknown = JSON.parse(json);
    return Array.isArray(list) ? capabilities.filter((c) => list.includes(c)) : [];
  } catch {
    return [];
  }
}

function capabilitiesOf(row: StaffRow): readonly Capability[] {
  if (row.is_admin) return capabilities;
  if (row.role_id === null || row.role_capabilities === null) return defaultStaffCapabilities;
  return parseCapabilities(row.role_capabilities);
}

export function toStaff(row: StaffRow): Staff {
  return {
    id: Number(row.id),
    email: row.email,
    name: row.name,
    isAdmin: Boolean(row.is_admin),
    isActive: Boolean(row.is_active),
    language: row.language,
    roleId: row.role_id === null ? null : Number(row.role_id),
    capabilities: capabilitiesOf(row),
    sessionsValidAfter: row.sessions_valid_after === null ? null : Number(row.sessions_valid_after),
  };
}

const columns = [
  ...[
    'id',
    'email',
    'name',
    'password_hash',
    'is_admin',
    'is_active',
    'language',
    'role_id',
    'sessions_valid_after',
  ].map((c) => `staff_users.${c}`),
  'roles.capabilities as role_capabilities',
];
const staffWithRole = (db: Knex) => db('staff_users').leftJoin('roles', 'roles.id', 'staff_users.role_id');

export async function findStaffByEmail(db: Knex, email: string): Promise<StaffRow | undefined> {
  return staffWithRole(db).where('staff_users.email', email.toLowerCase()).first<StaffRow | undefined>(columns);
}

export async function findStaffById(db: Knex, id: number): Promise<StaffRow | undefined> {
  return staffWithRole(db).where('staff_users.id', id).first<StaffRow | undefined>(columns);
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

/**
 * Ends every session of the account; returns the new value, which a session keeping its
 * sign-in stores (see keepCurrentSession in src/web/auth/passport.ts and session-validity.ts). Run it in the
 * transaction of the change that calls for it (password reset or change, deactivation). It also
 * raises the account's reply key version, so its signed reply addresses stop working.
 */
export async function endStaffSessions(db: Knex, staffId: number, now: number): Promise<number> {
  const row = await db('staff_users')
    .where({ id: staffId })
    .first<{ sessions_valid_after: number | null } | undefined>('sessions_valid_after');
  const previous = row?.sessions_valid_after == null ? 0 : Number(row.sessions_valid_after);
  const next = Math.max(now, previous + 1);
  // Whatever ends the sessions also kills the signed reply addresses handed out so far (src/staff-mail).
  await db('staff_users')
    .where({ id: staffId })
    .update({ sessions_valid_after: next, reply_key_version: db.raw('reply_key_version + 1') });
  return next;
}
