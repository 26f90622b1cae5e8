/**
 * The columns of the staff ticket list. Each person picks theirs (remembered in
 * staff_list_prefs); a saved view may carry its own. Custom fields appear as `f<id>`.
 *
 * Only columns whose order an index gives are sortable, so a page of 25 never needs a sort of
 * every matching ticket: last update (updated_at, the end of every filter index), created (the
 * id order), due date (due_at index) and priority (priority_id + updated_at index, so priority
 * sorts by last update within a priority). Names (subject, customer, category, owner) and the
 * random tracking IDs would need a sort of all matches, or mean nothing in order, and are not
 * sortable.
 */
export const builtinColumns = ['tracking', 'subject', 'customer', 'category', 'tier', 'status', 'priority', 'owner', 'updated', 'created', 'replier', 'due', 'tags'] as const;
export type BuiltinColumn = (typeof builtinColumns)[number];

export const defaultColumns: readonly string[] = ['tracking', 'subject', 'customer', 'category', 'status', 'priority', 'owner', 'updated', 'tags'];

export const sortColumns = { created: 't.id', updated: 't.updated_at', due: 't.due_at', priority: 't.priority_id' } as const;
export type SortKey = keyof typeof sortColumns;

export function isSortKey(value: unknown): value is SortKey {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(sortColumns, value);
}

/** A field column's key, and the field id behind one (or null for a built-in column). */
export const fieldColumn = (fieldId: number) => `f${fieldId}`;
export const fieldIdOf = (key: string): number | null => (/^f\d{1,9}$/.test(key) ? Number(key.slice(1)) : null);

/**
 * The columns to show from what was asked for: known keys only, each once, in the canonical
 * order; the tracking ID is always there (it is the link that opens a ticket).
 */
export function cleanColumns(wanted: readonly string[], fieldIds: readonly number[]): string[] {
  const known = [...builtinColumns, ...fieldIds.map(fieldColumn)] as string[];
  const picked = known.filter((k) => wanted.includes(k));
  return picked.includes('tracking') ? picked : ['tracking', ...picked];
}
