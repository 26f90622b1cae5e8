import { z } from 'zod';
import { recordAudit } from '../audit/audit.repo';
import type { AdminActor } from '../categories/categories.service';
import {
  checkedIds,
  fieldErrors,
  formFromNames,
  lineText,
  namesFromForm,
  namesSchema,
  parseNames,
  storeNames,
} from '../catalog/localized';
import type { Db } from '../db/db';
import { withTransaction } from '../db/transaction';
import { NotFoundError, ValidationError } from '../errors';
import { languageCodes, type LanguageCode } from '../i18n/i18n';
import type { FieldType } from './custom-fields.repo';
import {
  existingCategoryIds,
  findField,
  insertField,
  listAllFields,
  replaceFieldCategories,
  updateField,
  type FieldAdminRow,
  type FieldWrite,
} from './fields-admin.repo';

export const fieldTypes: FieldType[] = ['text', 'textarea', 'select', 'radio', 'checkbox', 'date', 'email'];
const withOptions = new Set<FieldType>(['select', 'radio', 'checkbox']);

function fieldSchema(defaultLanguage: LanguageCode) {
  const hints = Object.fromEntries(
    languageCodes.map((code) => [`hint_${code}`, lineText(300).optional().default('')]),
  ) as Record<string, z.ZodType<string>>;
  return namesSchema('label', 120, defaultLanguage)
    .and(z.object(hints))
    .and(
      z.object({
        type: z.enum(fieldTypes as [FieldType, ...FieldType[]], { error: 'form.invalid' }).optional(),
        options: z
          .string({ error: 'form.invalid' })
          .transform((v) => [
            ...new Set(
              v
                .split(/\r?\n/)
                .map((o) => o.trim())
                .filter(Boolean),
            ),
          ])
          .pipe(z.array(lineText(255)).max(50, { error: 'catalog.errors.tooManyOptions' }))
          .optional()
          .default([]),
        requirement: z.enum(['optional', 'required', 'staff'], { error: 'form.invalid' }),
        placement: z.enum(['before', 'after'], { error: 'form.invalid' }),
        visible: z.enum(['yes', ''], { error: 'form.invalid' }).optional(),
        scope: z.enum(['all', 'some'], { error: 'form.invalid' }),
        categories: checkedIds(),
        sort_order: z
          .string({ error: 'form.invalid' })
          .trim()
          .regex(/^-?\d{1,5}$/, { error: 'catalog.errors.order' })
          .transform(Number)
          .optional()
          .default(0),
      }),
    );
}

export const listFieldsForAdmin = (db: Db) => listAllFields(db);

export async function fieldForAdmin(db: Db, id: number): Promise<FieldAdminRow> {
  const field = Number.isSafeInteger(id) && id > 0 ? await findField(db, id) : undefined;
  if (!field) throw new NotFoundError();
  return field;
}

export function fieldFormValues(
  field: FieldAdminRow | null,
  defaultLanguage: string,
): Record<string, string | string[]> {
  if (!field)
    return {
      ...formFromNames({}, 'label', '', defaultLanguage),
      ...formFromNames({}, 'hint', '', defaultLanguage),
      type: 'text',
      options: '',
      requirement: 'optional',
      placement: 'after',
      visible: 'yes',
      scope: 'all',
      categories: [],
      sort_order: '0',
    };
  return {
    ...formFromNames(parseNames(field.labels), 'label', field.label, defaultLanguage),
    ...formFromNames(parseNames(field.hints), 'hint', '', defaultLanguage),
    type: field.type,
    options: field.options ? (JSON.parse(field.options) as string[]).join('\n') : '',
    requirement: field.requirement,
    placement: field.placement,
    visible: field.visible_to_customer ? 'yes' : '',
    scope: field.all_categories ? 'all' : 'some',
    categories: field.categoryIds.map(String),
    sort_order: String(field.sort_order),
  };
}

/**
 * Creates or changes a custom field. Its type is chosen once (values already stored were checked
 * against it); options may change, and values given before keep showing as they were typed.
 */
export async function saveField(
  db: Db,
  actor: AdminActor,
  id: number | null,
  input: unknown,
  defaultLanguage: LanguageCode,
  now: number,
): Promise<number> {
  const parsed = fieldSchema(defaultLanguage).safeParse(input);
  if (!parsed.success) throw new ValidationError('Check the field.', fieldErrors(parsed.error));
  const v = parsed.data as Record<string, unknown> & {
    type?: FieldType;
    options: string[];
    requirement: FieldWrite['requirement'];
    placement: FieldWrite['placement'];
    visible?: 'yes' | '';
    scope: 'all' | 'some';
    categories: number[];
    sort_order: number;
  };
  return withTransaction(db, async (trx) => {
    const before = id === null ? null : await findField(trx, id);
    if (id !== null && !before) throw new NotFoundError();
    const type = before ? before.type : v.type;
    const errors: Record<string, string> = {};
    if (!type) errors.type = 'form.required';
    if (type && withOptions.has(type) && v.options.length === 0) errors.options = 'catalog.errors.optionsNeeded';
    const categories = [...new Set(v.categories)];
    const known = await existingCategoryIds(trx);
    if (!categories.every((c) => known.includes(c))) errors.categories = 'form.invalid';
    if (v.scope === 'some' && categories.length === 0) errors.categories = 'catalog.errors.categoriesNeeded';
    if (Object.keys(errors).length) throw new ValidationError('Check the field.', errors);
    const labels = namesFromForm(v as Record<string, string>, 'label');
    const row: FieldWrite = {
      label: labels[defaultLanguage]!,
      labels: storeNames(labels),
      hints: storeNames(namesFromForm(v as Record<string, string>, 'hint')),
      type: type!,
      options: withOptions.has(type!) ? JSON.stringify(v.options) : null,
      requirement: v.requirement,
      placement: v.placement,
      visible_to_customer: v.visible === 'yes',
      all_categories: v.scope === 'all',
      sort_order: v.sort_order,
    };
    const savedId = id ?? (await insertField(trx, row, now));
    if (id !== null) await updateField(trx, id, row, now);
    await replaceFieldCategories(trx, savedId, row.all_categories ? [] : categories);
    await recordAudit(
      trx,
      {
        actor,
        action: id === null ? 'field.created' : 'field.changed',
        target: { type: 'custom_field', id: savedId },
        details: { before, after: { ...row, categories } },
        ip: actor.ip ?? undefined,
      },
      now,
    );
    return savedId;
  });
}

/** A removed field leaves the forms; the values tickets already have stay, with its label. */
export async function setFieldRemoved(
  db: Db,
  actor: AdminActor,
  id: number,
  removed: boolean,
  now: number,
): Promise<void> {
  if (!Number.isSafeInteger(id)) throw new NotFoundError();
  await withTransaction(db, async (trx) => {
    const field = await findField(trx, id);
    if (!field) throw new NotFoundError();
    await updateField(trx, id, { is_active: !removed }, now);
    await recordAudit(
      trx,
      {
        actor,
        action: removed ? 'field.removed' : 'field.restored',
        target: { type: 'custom_field', id },
        details: { label: field.label },
        ip: actor.ip ?? undefined,
      },
      now,
    );
  });
}
