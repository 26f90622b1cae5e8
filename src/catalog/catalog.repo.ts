import type { Knex } from 'knex';

export type NamedRow = {
  id: number;
  key?: string;
  name: string;
  names: string | null;
  color?: string;
  is_builtin?: boolean | number;
  customer_settable?: boolean | number;
  sort_order?: number;
};

type FieldRow = {
  id: number;
  label: string;
  labels: string | null;
  hints: string | null;
  visible_to_customer: boolean | number;
};

/** Everything the names and colours are picked from; small tables, read whole. */
export async function readCatalog(db: Knex): Promise<{
  statuses: NamedRow[];
  priorities: NamedRow[];
  categories: NamedRow[];
  fields: FieldRow[];
}> {
  const [statuses, priorities, categories, fields] = await Promise.all([
    db('statuses')
      .select<NamedRow[]>('id', 'key', 'name', 'names', 'color', 'is_builtin', 'customer_settable', 'sort_order')
      .orderBy([{ column: 'sort_order' }, { column: 'id' }]),
    db('priorities').select<NamedRow[]>('id', 'key', 'name', 'names', 'color', 'is_builtin'),
    db('categories').select<NamedRow[]>('id', 'name', 'names'),
    db('custom_fields').select<FieldRow[]>('id', 'label', 'labels', 'hints', 'visible_to_customer'),
  ]);
  return { statuses, priorities, categories, fields };
}
