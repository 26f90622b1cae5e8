import type { Knex } from 'knex';

export type FieldType = 'text' | 'textarea' | 'select' | 'radio' | 'checkbox' | 'date' | 'email';

export type CustomFieldRow = {
  id: number;
  label: string;
  type: FieldType;
  options: string | null; // JSON list
  requirement: 'optional' | 'required' | 'staff';
  placement: 'before' | 'after';
  visible_to_customer: boolean | number;
  all_categories: boolean | number;
  sort_order: number;
};

export type CustomField = Omit<CustomFieldRow, 'options' | 'visible_to_customer' | 'all_categories'> & {
  options: string[];
  visibleToCustomer: boolean;
  categoryIds: number[] | 'all';
};

/** Active fields with the categories each applies to, in display order. */
export async function listActiveFields(db: Knex): Promise<CustomField[]> {
  const rows = await db('custom_fields')
    .where({ is_active: true })
    .orderBy([{ column: 'sort_order' }, { column: 'id' }])
    .select<CustomFieldRow[]>(
      'id',
      'label',
      'type',
      'options',
      'requirement',
      'placement',
      'visible_to_customer',
      'all_categories',
      'sort_order',
    );
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
    options: r.options ? (JSON.parse(r.options) as string[]) : [],
    visibleToCustomer: Boolean(r.visible_to_customer),
    categoryIds: r.all_categories
      ? 'all'
      : links.filter((l) => Number(l.field_id) === Number(r.id)).map((l) => Number(l.category_id)),
  }));
}

export async function insertFieldValues(
  trx: Knex,
  ticketId: number,
  values: Array<{ fieldId: number; value: string }>,
): Promise<void> {
  if (values.length === 0) return;
  await trx('custom_field_values').insert(
    values.map((v) => ({ ticket_id: ticketId, field_id: v.fieldId, value: v.value })),
  );
}

export async function listFieldValues(
  db: Knex,
  ticketId: number,
): Promise<Array<{ fieldId: number; label: string; type: FieldType; value: string; visibleToCustomer: boolean }>> {
  const rows = await db('custom_field_values as v')
    .join('custom_fields as f', 'f.id', 'v.field_id')
    .where('v.ticket_id', ticketId)
    .orderBy([{ column: 'f.sort_order' }, { column: 'f.id' }])
    .select<
      Array<{ field_id: number; label: string; type: FieldType; value: string; visible_to_customer: boolean | number }>
    >('v.field_id', 'f.label', 'f.type', 'v.value', 'f.visible_to_customer');
  return rows.map((r) => ({
    fieldId: Number(r.field_id),
    label: r.label,
    type: r.type,
    value: r.value,
    visibleToCustomer: Boolean(r.visible_to_customer),
  }));
}
