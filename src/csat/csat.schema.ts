import { z } from 'zod';

/** The survey form: a rating 1-5 and an optional comment. */
export const ratingSchema = z.object({
  rating: z.enum(['1', '2', '3', '4', '5'], { error: 'csat.errors.rating' }).transform(Number),
  comment: z
    .string({ error: 'form.invalid' })
    .max(8000, 'csat.errors.commentTooLong')
    .transform((v) => v.replace(/\r\n?/g, '\n').trim())
    .pipe(z.string().max(2000, 'csat.errors.commentTooLong'))
    .optional()
    .default(''),
});

/** A rating preselected from a mail's one-click link (`?rate=4`), or none. */
export const preselectedRating = (value: unknown): number | null =>
  typeof value === 'string' && /^[1-5]$/.test(value) ? Number(value) : null;
