import type { KbCategory } from './kb-categories.repo';

/**
 * The categories a customer may see: public ones whose every ancestor is public too (a
 * staff-only category hides everything under it). A loop in the parents (never written by the
 * service, but possible in a hand-edited database) hides the categories in it.
 */
export function publicCategoryIds(categories: KbCategory[]): number[] {
  const byId = new Map(categories.map((c) => [c.id, c]));
  const visible = (c: KbCategory): boolean => {
    const seen = new Set<number>();
    for (let at: KbCategory | undefined = c; at; at = at.parentId === null ? undefined : byId.get(at.parentId)) {
      if (!at.public || seen.has(at.id)) return false;
      seen.add(at.id);
      if (at.parentId !== null && !byId.has(at.parentId)) return false;
    }
    return true;
  };
  return categories.filter(visible).map((c) => c.id);
}

/** A category and its ancestors, from the top: the breadcrumbs. */
export function categoryTrail(categories: KbCategory[], id: number): KbCategory[] {
  const byId = new Map(categories.map((c) => [c.id, c]));
  const trail: KbCategory[] = [];
  for (let at = byId.get(id); at && !trail.includes(at); at = at.parentId === null ? undefined : byId.get(at.parentId))
    trail.unshift(at);
  return trail;
}

/** A category's name in a language, or its default name. */
export const categoryName = (c: KbCategory, language: string): string => c.names[language] ?? c.name;
