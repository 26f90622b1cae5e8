import { z } from 'zod';
import { databaseClients } from '../config/config.schema';
import { languageCodes } from '../i18n/i18n';

/** Messages are locale keys; the wizard shows them beside the field. */
const typeError = (issue: { input: unknown }) => (issue.input === undefined ? 'form.required' : 'form.invalid');

const text = (max: number) =>
  z
    .string({ error: typeError })
    .trim()
    .min(1, { error: 'form.required' })
    .max(max, { error: 'form.tooLong' })
    .refine((v) => !/[\u0000-\u001f\u007f]/.test(v), { error: 'form.invalidCharacters' });

export const emailField = z
  .string({ error: typeError })
  .trim()
  .min(1, { error: 'form.required' })
  .max(254, { error: 'form.tooLong' })
  .pipe(z.email({ error: 'form.invalidEmail' }))
  .transform((v) => v.toLowerCase());

export const timeZones: string[] = ['UTC', ...Intl.supportedValuesOf('timeZone').filter((z) => z !== 'UTC')];

export const databaseInputSchema = z.discriminatedUnion('client', [
  z.object({ client: z.literal('sqlite') }),
  z.object({
    client: z.enum(databaseClients.filter((c) => c !== 'sqlite') as ['mysql', 'postgres']),
    host: text(255).refine((v) => /^[A-Za-z0-9.:[\]_-]+$/.test(v), { error: 'install.database.badHost' }),
    port: z.coerce
      .number({ error: 'install.database.badPort' })
      .int({ error: 'install.database.badPort' })
      .min(1, { error: 'install.database.badPort' })
      .max(65535, { error: 'install.database.badPort' }),
    database: text(64).refine((v) => /^[A-Za-z0-9_$-]+$/.test(v), { error: 'install.database.badName' }),
    user: text(80),
    password: z.string({ error: typeError }).max(200, { error: 'form.tooLong' }),
  }),
]);
export type DatabaseInput = z.infer<typeof databaseInputSchema>;

export const basicsSchema = z.object({
  name: text(100),
  url: text(255).refine((v) => /^https?:\/\/[^\s/$.?#][^\s]*$/i.test(v) && URL.canParse(v), {
    error: 'install.basics.badUrl',
  }),
  email: emailField,
  timezone: z
    .string({ error: typeError })
    .refine((v) => timeZones.includes(v), { error: 'install.basics.badTimezone' }),
  language: z.enum(languageCodes, { error: 'install.basics.badLanguage' }),
});
export type BasicsInput = z.infer<typeof basicsSchema>;

export const adminSchema = z.object({
  name: text(120),
  email: emailField,
  password: z.string({ error: typeError }).min(1, { error: 'form.required' }).max(1000, { error: 'password.tooLong' }),
});
export type AdminInput = z.infer<typeof adminSchema>;

/** Turns zod issues into { field: localeKey }, first problem per field. */
export function fieldErrors(error: z.ZodError): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of error.issues) {
    const field = String(issue.path[0] ?? 'form');
    if (!out[field]) out[field] = issue.message.includes('.') ? issue.message : 'form.invalid';
  }
  return out;
}
