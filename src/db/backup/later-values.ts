import type { Knex } from 'knex';
import type { ForeignKey, TableShape } from './table-shape';

/** Values held back from the first insert of a row: the row's key and the columns to set once every row is in. */
export type LaterValues = { table: string; key: Record<string, unknown>; set: Record<string, unknown> };

/**
 * Columns of a table that point at rows which may not be loaded yet: at the table itself (a
 * ticket merged into a newer ticket, a category escalating to a newer one) or at a table the
 * archive has not reached (a cycle between tables). Rows go in with these columns empty; the
 * values are set once every table is loaded, in the same transaction, so no foreign key check
 * is ever switched off and no order of ids is assumed.
 */
export function laterColumns(shape: TableShape, keys: ForeignKey[], loaded: Set<string>): Set<string> {
  const later = new Set(
    keys
      .filter((k) => k.child === shape.table && (k.parent === shape.table || !loaded.has(k.parent)))
      .map((k) => k.column),
  );
  const keyLater = shape.key.filter((k) => later.has(k));
  if (later.size > 0 && (shape.key.length === 0 || keyLater.length > 0))
    throw new Error(`table ${shape.table} points at rows loaded after it and has no key to fill them in by`);
  return later;
}

export function holdBack(
  shape: TableShape,
  later: Set<string>,
  row: Record<string, unknown>,
  pending: LaterValues[],
): void {
  const set: Record<string, unknown> = {};
  for (const column of later) {
    if (row[column] === null || row[column] === undefined) continue;
    set[column] = row[column];
    row[column] = null;
  }
  if (Object.keys(set).length > 0)
    pending.push({ table: shape.table, key: Object.fromEntries(shape.key.map((k) => [k, row[k]])), set });
}

/** Sets the held-back values, rows with the same values and a one-column key together. */
export async function setLaterValues(trx: Knex, pending: LaterValues[]): Promise<void> {
  const groups = new Map<
    string,
    { table: string; set: Record<string, unknown>; keyColumn: string | null; keys: Array<Record<string, unknown>> }
  >();
  for (const p of pending) {
    const keyColumns = Object.keys(p.key);
    const keyColumn = keyColumns.length === 1 ? keyColumns[0]! : null;
    const id = JSON.stringify([p.table, keyColumn, p.set]);
    const group = groups.get(id) ?? { table: p.table, set: p.set, keyColumn, keys: [] };
    group.keys.push(p.key);
    groups.set(id, group);
  }
  for (const g of groups.values()) {
    if (g.keyColumn === null) {
      for (const key of g.keys) await trx(g.table).where(key).update(g.set);
      continue;
    }
    for (let i = 0; i < g.keys.length; i += 500) {
      const ids = g.keys.slice(i, i + 500).map((k) => k[g.keyColumn!] as Knex.Value);
      const updated = await trx(g.table).whereIn(g.keyColumn, ids).update(g.set);
      if (updated !== ids.length)
        throw new Error(`table ${g.table}: ${updated} of ${ids.length} rows took their later values`);
    }
  }
}
