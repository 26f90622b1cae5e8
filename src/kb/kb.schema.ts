import { z } from 'zod';
import { languageCodes } from '../i18n/i18n';

/** An article's statuses: the editor's form and the API both validate with them. */
export const kbStatuses = ['draft', 'published', 'private'] as const;
export type KbStatus = (typeof kbStatuses)[number];

// eslint-disable-next-line no-control-regex
const noControl = (v: string) => !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(v);
const line = (max: number) =>
  z
    .string({ error: 'form.required' })
    .trim()
    .min(1, { error: 'form.required' })
    .max(max, { error: 'form.tooLong' })
    .refine((v) => noControl(v) && !/[\r\n]/.test(v), { error: 'form.invalidCharacters' });
const id = z
  .string({ error: 'form.invalid' })
  .regex(/^\d{1,9}$/, { error: 'form.invalid' })
  .transform(Number);
const position = z
  .string({ error: 'form.invalid' })
  .regex(/^-?\d{1,6}$/, { error: 'form.invalid' })
  .transform(Number)
  .optional()
  .default(0);
const checkbox = z.literal('yes', { error: 'form.invalid' }).optional();

export const kbCategorySchema = z.object({
  name: line(120),
  parent: z
    .union([z.literal(''), id], { error: 'form.invalid' })
    .optional()
    .default(''),
  position,
  staffOnly: checkbox,
});

export const kbArticleSchema = z.object({
  category: id,
  status: z.enum(kbStatuses, { error: 'form.invalid' }),
  pinned: checkbox,
  position,
  language: z.enum(languageCodes, { error: 'form.invalid' }),
  title: line(191),
  keywords: z
    .string({ error: 'form.invalid' })
    .trim()
    .max(500, { error: 'form.tooLong' })
    .refine((v) => noControl(v) && !/[\r\n]/.test(v), { error: 'form.invalidCharacters' })
    .optional()
    .default(''),
  body: z
    .string({ error: 'form.required' })
    .transform((v) => v.replace(/\r\n?/g, '\n').trim())
    .pipe(
      z
        .string()
        .min(1, { error: 'form.required' })
        .max(200_000, { error: 'form.tooLong' })
        .refine(noControl, { error: 'form.invalidCharacters' }),
    ),
});

/** The field errors of a failed parse, one message key per field. */
export function fieldErrors(error: z.ZodError): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const issue of error.issues)
    errors[String(issue.path[0])] ??= issue.message.includes('.') ? issue.message : 'form.invalid';
  return errors;
}
