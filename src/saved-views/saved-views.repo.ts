import type { Knex } from 'knex';
import { insertReturningId } from '../db/insert';

export type SavedView = {
  id: number;
  ownerStaffId: number;
  ownerName: string;
  name: string;
  shared: boolean;
  query: string;
};

const columns = ['v.id', 'v.owner_staff_id', 's.name as owner_name', 'v.name', 'v.is_shared', 'v.query'];
const toView = (r: Record<string, unknown>): SavedView => ({
  id: Number(r.id),
  ownerStaffId: Number(r.owner_staff_id),
  ownerName: String(r.owner_name),
  name: String(r.name),
  shared: Boolean(r.is_shared),
  query: String(r.query),
});

/** The person's own views and everyone's shared ones, by name (each part through its index). */
export async function listViewsFor(db: Knex, staffId: number): Promise<SavedView[]> {
  const rows = await db('saved_views as v')
    .join('staff_users as s', 's.id', 'v.owner_staff_id')
    .where((w) => w.where('v.owner_staff_id', staffId).orWhere('v.is_shared', true))
    .orderBy([{ column: 'v.name' }, { column: 'v.id' }])
    .limit(200)
    .select(columns);
  return (rows as Array<Record<string, unknown>>).map(toView);
}

export async function findView(db: Knex, id: number): Promise<SavedView | undefined> {
  const row = await db('saved_views as v')
    .join('staff_users as s', 's.id', 'v.owner_staff_id')
    .where('v.id', id)
    .first(columns);
  return row ? toView(row as Record<string, unknown>) : undefined;
}

export async function countOwnViews(db: Knex, staffId: number): Promise<number> {
  const [row] = await db('saved_views').where({ owner_staff_id: staffId }).count<{ n: number }[]>({ n: '*' });
  return Number(row?.n ?? 0);
}

export async function insertView(
  db: Knex,
  v: { ownerStaffId: number; name: string; shared: boolean; query: string },
  now: number,
): Promise<number> {
  return insertReturningId(db, 'saved_views', {
    owner_staff_id: v.ownerStaffId,
    name: v.name,
    is_shared: v.shared,
    query: v.query,
    created_at: now,
    updated_at: now,
  });
}

export async function updateView(
  db: Knex,
  id: number,
  patch: { name?: string; shared?: boolean },
  now: number,
): Promise<void> {
  await db('saved_views')
    .where({ id })
    .update({
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.shared !== undefined ? { is_shared: patch.shared } : {}),
      updated_at: now,
    });
}

export async function deleteView(db: Knex, id: number): Promise<void> {
  await db('saved_views').where({ id }).del();
}
