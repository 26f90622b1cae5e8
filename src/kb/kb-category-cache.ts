import type { Db } from '../db/db';
import { kbCategoriesRevision, listKbCategories, type KbCategory } from './kb-categories.repo';
import { publicCategoryIds } from './kb-visibility';

export type KbCategoryTree = { all: KbCategory[]; visible: KbCategory[]; visibleIds: number[] };

/**
 * The category list and what customers may see of it, kept per process (and per database
 * handle) behind the tree's revision (kb_revision, counted up by every write of a category in
 * the writer's transaction): each call reads that one row and reloads only when it moved, so a
 * change made through any process is seen by every other at its next request. The revision is
 * read before the list: a change in between is reloaded on the next call. Not for reads inside a
 * transaction (they must see their own writes: use listKbCategories there).
 */
const trees = new WeakMap<Db, { revision: number; tree: KbCategoryTree }>();

export async function kbCategoryTree(db: Db): Promise<KbCategoryTree> {
  const revision = await kbCategoriesRevision(db);
  const cached = trees.get(db);
  if (cached?.revision === revision) return cached.tree;
  const all = await listKbCategories(db);
  const visibleIds = publicCategoryIds(all);
  const ids = new Set(visibleIds);
  const tree = { all, visible: all.filter((c) => ids.has(c.id)), visibleIds };
  trees.set(db, { revision, tree });
  return tree;
}
