import type { Knex } from 'knex';
import { insertReturningId } from '../db/insert';
import type { CustomFieldRow } from './custom-fields.repo';

export type FieldAdminRow = CustomFieldRow & {
  labels: string | null;
  hints: string | null;
  is_active: boolean | number;
  categoryIds: number[];
};

export type FieldWrite = Omit<CustomFieldRow, 'id' | 'visible_to_customer' | 'all_categories'> & {
  labels: string | null;
  hints: string | null;
  visible_to_customer: boolean;
  all_categories: boolean;
};

const columns = [
  'id',
  'label',
  'labels',
  'hints',
  'type',
  'options',
  'requirement',
  'placement',
  'visible_to_customer',
  'all_categories',
  'sort_order',
  'is_active',
];

async function withCategories(db: Knex, rows: Array<Omit<FieldAdminRow, 'categoryIds'>>): Promise<FieldAdminRow[]> {
  const links = rows.length
    ? await db('custom_field_categories')
        .whereIn(
          'field_id',
          rows.map((r) => r.id),
        )
        .select<Array<{ field_id: number; category_id: number }>>('field_id', 'category_id')
    : [];
  return rows.map((r) => ({
    ...r,
    id: Number(r.id),
    categoryIds: links.filter((l) => Number(l.field_id) === Number(r.id)).map((l) => Number(l.category_id)),
  }));
}

/** Every field, removed ones too (their values stay on tickets), in form order. */
export async function listAllFields(db: Knex): Promise<FieldAdminRow[]> {
  return withCategories(
    db,
    await db('custom_fields')
      .orderBy([{ column: 'is_active', order: 'desc' }, { column: 'sort_order' }, { column: 'id' }])
      .select(columns),
  );
}

export async function findField(db: Knex, id: number): Promise<FieldAdminRow | undefined> {
  const row = await db('custom_fields').where({ id }).first(columns);
  return row ? (await withCategories(db, [row]))[0] : undefined;
}

export async function insertField(trx: Knex, row: FieldWrite, now: number): Promise<number> {
  return insertReturningId(trx, 'custom_fields', { ...row, is_active: true, created_at: now, updated_at: now });
}

export async function updateField(
  trx: Knex,
  id: number,
  row: Partial<FieldWrite> & { is_active?: boolean },
  now: number,
): Promise<void> {
  await trx('custom_fields')
    .where({ id })
    .update({ ...row, updated_at: now });
}

export async function replaceFieldCategories(trx: Knex, fieldId: number, categoryIds: number[]): Promise<void> {
  await trx('custom_field_categories').where({ field_id: fieldId }).del();
  if (categoryIds.length)
    await trx('custom_field_categories').insert(categoryIds.map((category_id) => ({ field_id: fieldId, category_id })));
}

export async function existingCategoryIds(db: Knex): Promise<number[]> {
  return (await db('categories').pluck('id')).map(Number);
}
