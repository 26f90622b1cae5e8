import { z } from 'zod';

/** Errors are locale keys, shown beside the field they belong to. */
const typeError = (issue: { input: unknown }) => (issue.input === undefined ? 'form.required' : 'form.invalid');
// eslint-disable-next-line no-control-regex
const controlChars = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

const line = (max: number) =>
  z
    .string({ error: typeError })
    .transform((v) => v.normalize('NFC').trim())
    .pipe(
      z
        .string()
        .min(1, { error: 'form.required' })
        .max(max, { error: 'form.tooLong' })
        .refine((v) => !/[\r\n]/.test(v) && !controlChars.test(v), { error: 'form.invalidCharacters' }),
    )
    // The OpenAPI document reads the limits from here (a pipe shows only its input's type).
    .meta({ minLength: 1, maxLength: max });

export const messageMaxLength = 50_000;

export const submissionSchema = z.object({
  name: line(120),
  email: z
    .string({ error: typeError })
    .trim()
    .min(1, { error: 'form.required' })
    .max(254, { error: 'form.tooLong' })
    .pipe(z.email({ error: 'form.invalidEmail' }))
    .transform((v) => v.toLowerCase()),
  category: z.coerce
    .number({ error: 'form.chooseCategory' })
    .int({ error: 'form.chooseCategory' })
    .positive({ error: 'form.chooseCategory' })
    .max(999_999_999, { error: 'form.chooseCategory' }),
  priority: z
    .string({ error: typeError })
    .regex(/^[a-z0-9_-]{1,32}$/, { error: 'form.invalid' })
    .optional(),
  subject: line(200),
  message: z
    .string({ error: typeError })
    .transform((v) => v.normalize('NFC').replace(/\r\n?/g, '\n').trim())
    .pipe(
      z
        .string()
        .min(1, { error: 'form.required' })
        .max(messageMaxLength, { error: 'form.messageTooLong' })
        .refine((v) => !controlChars.test(v), { error: 'form.invalidCharacters' }),
    )
    .meta({ minLength: 1, maxLength: messageMaxLength }),
});
export type SubmissionFields = z.infer<typeof submissionSchema>;

export const replySchema = z.object({ message: submissionSchema.shape.message });

/** The chosen category's id on its own (when other fields failed, its custom fields are still checked), or null. */
export function categoryIdOf(value: unknown): number | null {
  const parsed = submissionSchema.shape.category.safeParse(value);
  return parsed.success ? parsed.data : null;
}
