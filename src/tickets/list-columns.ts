/**
 * The columns of the staff ticket list. Each person picks theirs (remembered in
 * staff_list_prefs); a saved view may carry its own. Custom fields appear as `f<id>`.
 *
 * Every built-in column but tags sorts, both ways, each order made total by the ticket id
 * (`ticket-list-order.repo.ts` `orderOf`): last update, created, due date, priority, tracking ID and
 * subject from an index; category, status, owner, tier, customer and last replier by the shown
 * name through a rank or a join, then newest update first (docs/decisions.md, "Sorting").
 */
export const builtinColumns = [
  'tracking',
  'subject',
  'customer',
  'category',
  'tier',
  'status',
  'priority',
  'owner',
  'updated',
  'created',
  'replier',
  'due',
  'sla',
  'tags',
] as const;
export type BuiltinColumn = (typeof builtinColumns)[number];

export const defaultColumns: readonly string[] = [
  'tracking',
  'subject',
  'customer',
  'category',
  'status',
  'priority',
  'owner',
  'updated',
  'tags',
];

export const sortKeys = [
  'updated',
  'created',
  'due',
  'sla',
  'priority',
  'tracking',
  'subject',
  'customer',
  'category',
  'tier',
  'status',
  'owner',
  'replier',
] as const;
export type SortKey = (typeof sortKeys)[number];
/** The sortable columns (every built-in column but tags), as a set of keys. */
export const sortColumns = Object.fromEntries(sortKeys.map((k) => [k, true])) as Record<SortKey, true>;

export function isSortKey(value: unknown): value is SortKey {
  return typeof value === 'string' && Object.hasOwn(sortColumns, value);
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
