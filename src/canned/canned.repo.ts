import type { Knex } from 'knex';
import { insertReturningId } from '../db/insert';

export type Canned = { id: number; title: string; body: string; folder: string | null; ownerStaffId: number | null };

const toCanned = (r: Record<string, unknown>): Canned => ({
  id: Number(r.id),
  title: String(r.title),
  body: String(r.body),
  folder: r.folder == null ? null : String(r.folder),
  ownerStaffId: r.owner_staff_id == null ? null : Number(r.owner_staff_id),
});

/** The shared responses and this person's own, by folder and title. */
export async function listCannedFor(db: Knex, staffId: number): Promise<Canned[]> {
  const rows = await db('canned_responses')
    .where((q) => q.whereNull('owner_staff_id').orWhere('owner_staff_id', staffId))
    .orderBy([{ column: 'folder' }, { column: 'title' }])
    .select('id', 'title', 'body', 'folder', 'owner_staff_id');
  return rows.map(toCanned);
}

export async function findCanned(db: Knex, id: number): Promise<Canned | undefined> {
  const row = await db('canned_responses').where({ id }).first('id', 'title', 'body', 'folder', 'owner_staff_id');
  return row ? toCanned(row) : undefined;
}

export async function insertCanned(db: Knex, c: Omit<Canned, 'id'>, now: number): Promise<number> {
  return insertReturningId(db, 'canned_responses', {
    title: c.title,
    body: c.body,
    folder: c.folder,
    owner_staff_id: c.ownerStaffId,
    created_at: now,
    updated_at: now,
  });
}

export async function updateCanned(
  db: Knex,
  id: number,
  c: Omit<Canned, 'id' | 'ownerStaffId'>,
  now: number,
): Promise<void> {
  await db('canned_responses')
    .where({ id })
    .update({ title: c.title, body: c.body, folder: c.folder, updated_at: now });
}

export async function deleteCanned(db: Knex, id: number): Promise<void> {
  await db('canned_responses').where({ id }).del();
}
