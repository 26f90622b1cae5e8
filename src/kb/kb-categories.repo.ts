import type { Knex } from 'knex';
import { lockedForUpdate } from '../db/dialect';
import { insertReturningId } from '../db/insert';

export type KbCategory = { id: number; parentId: number | null; name: string; position: number; public: boolean; names: Record<string, string> };

/** Every category with its translated names (an installation has tens, not thousands). */
export async function listKbCategories(db: Knex): Promise<KbCategory[]> {
  const [rows, names] = await Promise.all([
    db('kb_categories').orderBy([{ column: 'position' }, { column: 'id' }]).select('id', 'parent_id', 'name', 'position', 'public'),
    db('kb_category_names').select('category_id', 'language', 'name'),
  ]);
  const byCategory = new Map<number, Record<string, string>>();
  for (const n of names) {
    const id = Number(n.category_id);
    byCategory.set(id, { ...byCategory.get(id), [String(n.language)]: String(n.name) });
  }
  return rows.map((r) => ({ id: Number(r.id), parentId: r.parent_id == null ? null : Number(r.parent_id), name: String(r.name), position: Number(r.position), public: Boolean(r.public), names: byCategory.get(Number(r.id)) ?? {} }));
}

/** How many times the category tree has changed (0 before the first change): one primary-key read. */
export async function kbCategoriesRevision(db: Knex): Promise<number> {
  const row = await db('kb_revision').where({ id: 1 }).first<{ categories: number | string } | undefined>('categories');
  return row ? Number(row.categories) : 0;
}

/** Counts a change of the category tree, in the writer's transaction (every writer below calls it). */
async function bumpKbCategoriesRevision(db: Knex): Promise<void> {
  const now = Date.now();
  const updated = await db('kb_revision').where({ id: 1 }).update({ categories: db.raw('categories + 1'), updated_at: now });
  if (updated === 0) await db('kb_revision').insert({ id: 1, categories: 1, updated_at: now }).onConflict('id').merge({ categories: db.raw('kb_revision.categories + 1'), updated_at: now });
}

export type KbCategoryRow = { parentId: number | null; name: string; position: number; public: boolean };

export async function insertKbCategory(db: Knex, c: KbCategoryRow, now: number, by: { staffId: number | null; submissionKey: string | null } = { staffId: null, submissionKey: null }): Promise<number> {
  const id = await insertReturningId(db, 'kb_categories', { parent_id: c.parentId, name: c.name, position: c.position, public: c.public, created_by: by.staffId, submission_key: by.submissionKey, created_at: now, updated_at: now });
  await bumpKbCategoriesRevision(db);
  return id;
}

/** The category a creating form's one-time key stored, and who stored it. */
export async function findKbCategoryBySubmissionKey(db: Knex, key: string): Promise<{ id: number; createdBy: number | null } | undefined> {
  const row = await db('kb_categories').where({ submission_key: key }).first('id', 'created_by');
  return row ? { id: Number(row.id), createdBy: row.created_by == null ? null : Number(row.created_by) } : undefined;
}

/**
 * Locks every category row (in id order, so two writers never deadlock) for a move or delete:
 * the tree is checked and changed by one writer at a time. Tens of rows, held for a short
 * transaction; SQLite has one writer anyway.
 */
export async function lockKbCategories(trx: Knex.Transaction): Promise<void> {
  await lockedForUpdate(trx, trx('kb_categories').orderBy('id').select('id'));
}

export async function updateKbCategory(db: Knex, id: number, c: KbCategoryRow, now: number): Promise<void> {
  await db('kb_categories').where({ id }).update({ parent_id: c.parentId, name: c.name, position: c.position, public: c.public, updated_at: now });
  await bumpKbCategoriesRevision(db);
}

/** Replaces a category's translated names (the default language's name is `name` itself). */
export async function setKbCategoryNames(db: Knex, id: number, names: Record<string, string>): Promise<void> {
  await db('kb_category_names').where({ category_id: id }).del();
  const rows = Object.entries(names).filter(([, name]) => name !== '').map(([language, name]) => ({ category_id: id, language, name }));
  if (rows.length) await db('kb_category_names').insert(rows);
  await bumpKbCategoriesRevision(db);
}

export async function deleteKbCategory(db: Knex, id: number): Promise<void> {
  await db('kb_categories').where({ id }).del();
  await bumpKbCategoriesRevision(db);
}

/** Whether a category still holds articles or sub-categories (it is then not deleted). */
export async function kbCategoryInUse(db: Knex, id: number): Promise<boolean> {
  const [article, child] = await Promise.all([db('kb_articles').where({ category_id: id }).first('id'), db('kb_categories').where({ parent_id: id }).first('id')]);
  return Boolean(article || child);
}
