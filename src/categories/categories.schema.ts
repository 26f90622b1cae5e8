import { z } from 'zod';
import type { LanguageCode } from '../i18n/i18n';
import { checkedIds, namesSchema } from '../catalog/localized';

const optionalId = z
  .string({ error: 'form.invalid' })
  .trim()
  .regex(/^\d{0,9}$/, { error: 'form.invalid' })
  .transform((v) => (v === '' ? null : Number(v)));

/** The category form. Every value arrives as a string (or a list for the staff boxes). */
export function categorySchema(defaultLanguage: LanguageCode) {
  return namesSchema('name', 120, defaultLanguage).and(
    z.object({
      description: z
        .string({ error: 'form.invalid' })
        .transform((v) => v.replace(/\r\n?/g, '\n').trim())
        .pipe(z.string().max(2000, { error: 'form.tooLong' }))
        .optional()
        .default(''),
      visibility: z.enum(['public', 'staff'], { error: 'form.invalid' }),
      tier: z.enum(['1', '2', '3'], { error: 'form.invalid' }).transform(Number),
      default_priority: optionalId.optional().default(null),
      escalate_to: optionalId.optional().default(null),
      due_hours: z
        .string({ error: 'form.invalid' })
        .trim()
        .regex(/^\d{0,4}$/, { error: 'catalog.errors.dueHours' })
        .transform((v) => (v === '' ? null : Number(v)))
        .refine((v) => v === null || (v >= 1 && v <= 8760), { error: 'catalog.errors.dueHours' })
        .optional()
        .default(null),
      auto_close_days: z
        .string({ error: 'form.invalid' })
        .trim()
        .regex(/^\d{0,3}$/, { error: 'autoClose.errors.days' })
        .transform((v) => (v === '' ? null : Number(v)))
        .refine((v) => v === null || v <= 365, { error: 'autoClose.errors.days' })
        .optional()
        .default(null),
      auto_assign: z
        .enum(['none', 'round_robin', 'least_loaded'], { error: 'form.invalid' })
        .optional()
        .default('none'),
      sort_order: z
        .string({ error: 'form.invalid' })
        .trim()
        .regex(/^-?\d{1,5}$/, { error: 'catalog.errors.order' })
        .transform(Number)
        .optional()
        .default(0),
      staff: checkedIds(),
    }),
  );
}

export type CategoryInput = z.output<ReturnType<typeof categorySchema>>;
