import { z } from 'zod';
import { ValidationError } from '../errors';
import { messageMaxLength } from './submission.schema';

/** Input of the ticket page's extra forms; errors are locale keys shown beside their field. */
const typeError = (issue: { input: unknown }) => (issue.input === undefined ? 'form.required' : 'form.invalid');
// eslint-disable-next-line no-control-regex
const controlChars = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** One entry is at most a working day; longer work is logged as several entries. */
export const maxMinutesPerEntry = 1440;

export const dueSchema = z.object({
  // Empty clears the due date; otherwise a datetime-local value (checked by the service).
  due: z.string({ error: typeError }).trim().max(20, { error: 'ticketExtras.due.invalid' }),
});

export const timeSchema = z.object({
  minutes: z
    .string({ error: typeError })
    .trim()
    .min(1, { error: 'form.required' })
    .regex(/^\d{1,6}$/, { error: 'ticketExtras.time.badMinutes' })
    .transform(Number)
    .pipe(z.number().int().min(1, { error: 'ticketExtras.time.badMinutes' }).max(maxMinutesPerEntry, { error: 'ticketExtras.time.tooMany' })),
  note: z
    .string({ error: typeError })
    .transform((v) => v.normalize('NFC').trim())
    .pipe(z.string().max(500, { error: 'form.tooLong' }).refine((v) => !/[\r\n]/.test(v) && !controlChars.test(v), { error: 'form.invalidCharacters' }))
    .optional(),
});

export const linkSchema = z.object({ link: z.string({ error: typeError }).trim().min(1, { error: 'form.required' }).max(40, { error: 'ticketExtras.links.notFound' }) });

export const draftSchema = z.object({
  message: z
    .string({ error: typeError })
    .transform((v) => v.replace(/\r\n?/g, '\n'))
    .pipe(z.string().max(messageMaxLength, { error: 'form.messageTooLong' }).refine((v) => !controlChars.test(v), { error: 'form.invalidCharacters' })),
});

export const presenceSchema = z.object({ state: z.enum(['viewing', 'replying', 'left'], { error: 'form.invalid' }) });

/** Parses or throws a ValidationError whose details name each field's first problem. */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, fieldPrefix = ''): z.infer<S> {
  const parsed = schema.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  const errors: Record<string, string> = {};
  for (const issue of parsed.error.issues) errors[fieldPrefix + String(issue.path[0] ?? '')] ??= issue.message.includes('.') ? issue.message : 'form.invalid';
  throw new ValidationError('Check the form.', errors);
}
