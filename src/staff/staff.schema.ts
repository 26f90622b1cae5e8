import { z } from 'zod';

// eslint-disable-next-line no-control-regex
const controlCharacters = /[\u0000-\u001f\u007f\u2028\u2029]/;

/** A one-line text (names): trimmed, required, no control characters or line breaks. */
export const singleLine = (max: number) =>
  z
    .string({ error: 'form.required' })
    .trim()
    .min(1, { error: 'form.required' })
    .max(max, { error: 'form.tooLong' })
    .refine((v) => !controlCharacters.test(v), { error: 'form.invalidCharacters' });

export const staffEmail = z
  .string({ error: 'form.required' })
  .trim()
  .min(1, { error: 'form.required' })
  .max(191, { error: 'form.tooLong' })
  .pipe(z.email({ error: 'form.invalidEmail' }))
  .transform((v) => v.toLowerCase());

/** "admin", "default" (the standard staff capabilities) or a custom role's id. */
export const roleChoice = z
  .string({ error: 'form.invalid' })
  .regex(/^(admin|default|\d{1,9})$/, { error: 'form.invalid' })
  .transform((v) => (v === 'admin' || v === 'default' ? v : Number(v)));
export type RoleChoice = z.output<typeof roleChoice>;

/** Category checkboxes: one arrives as a string, several as an array. */
export const categoryIds = z
  .union([z.string(), z.array(z.string()).max(500)], { error: 'form.invalid' })
  .optional()
  .transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]))
  .refine((list) => list.every((x) => /^\d{1,9}$/.test(x)), { error: 'form.invalid' })
  .transform((list) => [...new Set(list.map(Number))]);

export const staffDetailsSchema = z.object({
  name: singleLine(120),
  email: staffEmail,
  role: roleChoice,
  categories: categoryIds,
});
export type StaffDetails = z.output<typeof staffDetailsSchema>;

/** Creating an account: with a password chosen by the admin, or by invitation mail. */
export const newStaffSchema = staffDetailsSchema.extend({
  method: z.enum(['invite', 'password'], { error: 'form.invalid' }),
  password: z.string({ error: 'form.invalid' }).max(1000, { error: 'form.tooLong' }).optional().default(''),
});

/** A token from a link: exactly 43 base64url characters (256 bits), nothing trimmed or folded. */
export const tokenSchema = z.string().regex(/^[A-Za-z0-9_-]{43}$/);
