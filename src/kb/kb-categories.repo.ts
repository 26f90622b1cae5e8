import type { Knex } from 'knex';
import { lockedForUpdate } from '../db/dialect';
import { insertReturningId } from '../db/insert';

export type KbCategory = {
  id: number;
  parentId: number | null;
  name: string;
  position: number;
  public: boolean;
  names: Record<string, string>;
};

/** Every category with its translated names (an installation has tens, not thousands). */
export async function listKbCategories(db: Knex): Promise<KbCategory[]> {
  const [rows, names] = await Promise.all([
    db('kb_categories')
      .orderBy([{ column: 'position' }, { column: 'id' }])
      .select('id', 'parent_id', 'name', 'position', 'public'),
    db('kb_category_names').select('category_id', 'language', 'name'),
  ]);
  const byCategory = new Map<number, Record<string, string>>();
  for (const n of names) {
    const id = Number(n.category_id);
    byCategory.set(id, { ...byCategory.get(id), [String(n.language)]: String(n.name) });
  }
  return rows.map((r) => ({
    id: Number(r.id),
    parentId: r.parent_id == null ? null : Number(r.parent_id),
    name: String(r.name),
    position: Number(r.position),
    public: Boolean(r.public),
    names: byCategory.get(Number(r.id)) ?? {},
  }));
}

/** How many times the category tree has changed (0 before the first change): one primary-key read. */
export async function kbCategoriesRevision(db: Knex): Promise<number> {
  const row = await db('kb_revision').where({ id: 1 }).first<{ categories: number | string } | undefined>('categories');
  return row ? Number(row.categories) : 0;
}

/** Counts a change of the category tree or of an article, in the writer's transaction (every writer of either calls it). */
export async function bumpKbRevision(db: Knex, what: 'categories' | 'articles'): Promise<void> {
  const now = Date.now();
  const updated = await db('kb_revision')
    .where({ id: 1 })
    .update({ [what]: db.raw('?? + 1', [what]), updated_at: now });
  if (updated === 0)
    await db('kb_revision')
      .insert({ id: 1, [what]: 1, ...(what === 'categories' ? {} : { categories: 0 }), updated_at: now })
      .onConflict('id')
      .merge({ [what]: db.raw('?? + 1', [`kb_revision.${what}`]), updated_at: now });
}
const bumpKbCategoriesRevision = (db: Knex) => bumpKbRevision(db, 'categories');

/** The kb-terms job's stamp: the change counts now, and whether its last clean sweep saw these very counts. */
export type KbTermsStamp = { articles: number; categories: number; caughtUp: boolean };

export async function kbTermsStamp(db: Knex): Promise<KbTermsStamp> {
  const row = await db('kb_revision')
    .where({ id: 1 })
    .first<Record<string, number | string> | undefined>('articles', 'categories', 'terms_articles', 'terms_categories');
  if (!row) return { articles: 0, categories: 0, caughtUp: false };
  const [articles, categories] = [Number(row.articles), Number(row.categories)];
  return {
    articles,
    categories,
    caughtUp: Number(row.terms_articles) === articles && Number(row.terms_categories) === categories,
  };
}

/** The kb-terms job swept everything stale as of `stamp` (read before the sweep: a change after it counted past it). */
export async function markKbTermsCaughtUp(db: Knex, stamp: KbTermsStamp): Promise<void> {
  await db('kb_revision').insert({ id: 1, categories: 0, updated_at: Date.now() }).onConflict('id').ignore();
  await db('kb_revision')
    .where({ id: 1 })
    .update({ terms_articles: stamp.articles, terms_categories: stamp.categories });
}

export type KbCategoryRow = { parentId: number | null; name: string; position: number; public: boolean };

export async function insertKbCategory(
  db: Knex,
  c: KbCategoryRow,
  now: number,
  by: { staffId: number | null; submissionKey: string | null } = { staffId: null, submissionKey: null },
): Promise<number> {
  const id = await insertReturningId(db, 'kb_categories', {
    parent_id: c.parentId,
    name: c.name,
    position: c.position,
    public: c.public,
    created_by: by.staffId,
    submission_key: by.submissionKey,
    created_at: now,
    updated_at: now,
  });
  await bumpKbCategoriesRevision(db);
  return id;
}

/** The category a creating form's one-time key stored, and who stored it. */
export async function findKbCategoryBySubmissionKey(
  db: Knex,
  key: string,
): Promise<{ id: number; createdBy: number | null } | undefined> {
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
  await db('kb_categories')
    .where({ id })
    .update({ parent_id: c.parentId, name: c.name, position: c.position, public: c.public, updated_at: now });
  await bumpKbCategoriesRevision(db);
}

/** Replaces a category's translated names (the default language's name is `name` itself). */
export async function setKbCategoryNames(db: Knex, id: number, names: Record<string, string>): Promise<void> {
  await db('kb_category_names').where({ category_id: id }).del();
  const rows = Object.entries(names)
    .filter(([, name]) => name !== '')
    .map(([language, name]) => ({ category_id: id, language, name }));
  if (rows.length) await db('kb_category_names').insert(rows);
  await bumpKbCategoriesRevision(db);
}

export async function deleteKbCategory(db: Knex, id: number): Promise<void> {
  await db('kb_categories').where({ id }).del();
  await bumpKbCategoriesRevision(db);
}

/** Whether a category still holds articles or sub-categories (it is then not deleted). */
export async function kbCategoryInUse(db: Knex, id: number): Promise<boolean> {
  const [article, child] = await Promise.all([
    db('kb_articles').where({ category_id: id }).first('id'),
    db('kb_categories').where({ parent_id: id }).first('id'),
  ]);
  return Boolean(article || child);
}
