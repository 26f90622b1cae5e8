import type { CustomField } from './custom-fields.repo';

/** Fields a customer fills in for a category (staff-only fields are never on the web form). */
export function customerFieldsFor(fields: CustomField[], categoryId: number | null): CustomField[] {
  return fields.filter(
    (f) =>
      f.visibleToCustomer &&
      f.requirement !== 'staff' &&
      (f.categoryIds === 'all' || (categoryId !== null && f.categoryIds.includes(categoryId))),
  );
}

const maxLength = {
  text: 255,
  textarea: 10_000,
  email: 254,
  date: 10,
  select: 255,
  radio: 255,
  checkbox: 2000,
} as const;

/**
 * Checks submitted values against each field's type and options. Input comes from the form as
 * `field_<id>` (a string, or a list for checkboxes); errors are locale keys by form field name.
 */
export function validateFieldValues(
  fields: CustomField[],
  body: Record<string, unknown>,
): {
  values: Array<{ fieldId: number; value: string }>;
  errors: Record<string, string>;
  kept: Record<string, string | string[]>;
} {
  const values: Array<{ fieldId: number; value: string }> = [];
  const errors: Record<string, string> = {};
  const kept: Record<string, string | string[]> = {};
  for (const field of fields) {
    const name = `field_${field.id}`;
    const raw = body[name];
    const list = field.type === 'checkbox' ? (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]) : null;
    if (list) {
      if (
        list.length > field.options.length ||
        !list.every((v): v is string => typeof v === 'string' && field.options.includes(v))
      ) {
        errors[name] = 'form.invalid';
        continue;
      }
      kept[name] = list;
      if (list.length === 0 && field.requirement === 'required') errors[name] = 'form.required';
      else if (list.length) values.push({ fieldId: field.id, value: JSON.stringify(list) });
      continue;
    }
    if (raw !== undefined && typeof raw !== 'string') {
      errors[name] = 'form.invalid';
      continue;
    }
    const value = (raw ?? '').replace(/\r\n/g, '\n').trim();
    kept[name] = value;
    if (!value) {
      if (field.requirement === 'required') errors[name] = 'form.required';
      continue;
    }
    if (value.length > maxLength[field.type] || value.includes('\u0000')) errors[name] = 'form.tooLong';
    else if ((field.type === 'select' || field.type === 'radio') && !field.options.includes(value))
      errors[name] = 'form.invalid';
    else if (
      field.type === 'date' &&
      !(/^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`)))
    )
      errors[name] = 'form.invalidDate';
    else if (field.type === 'email' && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value)) errors[name] = 'form.invalidEmail';
    else if (field.type !== 'textarea' && /[\r\n]/.test(value)) errors[name] = 'form.invalidCharacters';
    else values.push({ fieldId: field.id, value });
  }
  return { values, errors, kept };
}
