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

const hourUnits = 'h|hr|hrs|hour|hours|hod|hodín|hodiny|hodina|st|stundas|ч|час|часа|часов|ó|óra';
const minuteUnits = 'm|min|mins|minute|minutes|minút|minúty|minúta|мин|минут|минуты|минута|p|perc|perces';
const hoursAndMinutes = new RegExp(
  `^(?:(\\d{1,4})\\s*(?:${hourUnits})\\.?)?\\s*(?:(\\d{1,6})\\s*(?:${minuteUnits})\\.?)?$`,
  'iu',
);

/**
 * Time spent as people type it: minutes ("90"), hours and minutes ("1h 30m", "1h", "45m", also
 * with the unit words of the supported languages) or a clock-like "1:30". Null when unreadable.
 */
export function parseDuration(text: string): number | null {
  const v = text.trim();
  if (/^\d{1,6}$/.test(v)) return Number(v);
  const clock = /^(\d{1,4}):([0-5]\d)$/.exec(v);
  if (clock) return Number(clock[1]) * 60 + Number(clock[2]);
  const parts = hoursAndMinutes.exec(v);
  if (!parts || (parts[1] === undefined && parts[2] === undefined)) return null;
  return Number(parts[1] ?? 0) * 60 + Number(parts[2] ?? 0);
}

export const timeSchema = z.object({
  minutes: z
    .string({ error: typeError })
    .trim()
    .min(1, { error: 'form.required' })
    .max(30, { error: 'ticketUx.time.bad' })
    .transform((v, ctx) => {
      const minutes = parseDuration(v);
      if (minutes === null) ctx.addIssue({ code: 'custom', message: 'ticketUx.time.bad' });
      return minutes ?? 0;
    })
    .pipe(
      z
        .number()
        .int()
        .min(1, { error: 'ticketUx.time.bad' })
        .max(maxMinutesPerEntry, { error: 'ticketExtras.time.tooMany' }),
    ),
  note: z
    .string({ error: typeError })
    .transform((v) => v.normalize('NFC').trim())
    .pipe(
      z
        .string()
        .max(500, { error: 'form.tooLong' })
        .refine((v) => !/[\r\n]/.test(v) && !controlChars.test(v), { error: 'form.invalidCharacters' }),
    )
    .optional(),
});

export const linkSchema = z.object({
  link: z
    .string({ error: typeError })
    .trim()
    .min(1, { error: 'form.required' })
    .max(40, { error: 'ticketExtras.links.notFound' }),
});

export const draftSchema = z.object({
  message: z
    .string({ error: typeError })
    .transform((v) => v.replace(/\r\n?/g, '\n'))
    .pipe(
      z
        .string()
        .max(messageMaxLength, { error: 'form.messageTooLong' })
        .refine((v) => !controlChars.test(v), { error: 'form.invalidCharacters' }),
    ),
});

export const presenceSchema = z.object({ state: z.enum(['viewing', 'replying', 'left'], { error: 'form.invalid' }) });

/** Parses or throws a ValidationError whose details name each field's first problem. */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, fieldPrefix = ''): z.infer<S> {
  const parsed = schema.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  const errors: Record<string, string> = {};
  for (const issue of parsed.error.issues)
    errors[fieldPrefix + String(issue.path[0] ?? '')] ??= issue.message.includes('.') ? issue.message : 'form.invalid';
  throw new ValidationError('Check the form.', errors);
}
