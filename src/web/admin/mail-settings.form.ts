import { z } from 'zod';
import { settingDefinitions, type SettingKey, type Settings } from '../../settings/settings.schema';

/** The sending settings form: its fields, how each is read, and the message for a bad value. */
export const mailFields = ['transport', 'fromName', 'fromAddress', 'smtpHost', 'smtpPort', 'smtpSecurity', 'smtpUser', 'smtpPassword'] as const;
export type MailField = (typeof mailFields)[number];
export type MailFormValues = Record<MailField, string>;
export type MailFormErrors = Partial<Record<MailField, string>>;

const rules: Record<MailField, { key: SettingKey & `mail.${MailField}`; read(raw: string): unknown; error: string }> = {
  transport: { key: 'mail.transport', read: (v) => v, error: 'form.invalid' },
  fromName: { key: 'mail.fromName', read: (v) => v.trim(), error: 'mailSettings.errors.fromName' },
  fromAddress: { key: 'mail.fromAddress', read: (v) => v.trim(), error: 'form.invalidEmail' },
  smtpHost: { key: 'mail.smtpHost', read: (v) => v.trim(), error: 'mailSettings.errors.badHost' },
  smtpPort: { key: 'mail.smtpPort', read: (v) => (/^\d{1,5}$/.test(v.trim()) ? Number(v.trim()) : NaN), error: 'mailSettings.errors.badPort' },
  smtpSecurity: { key: 'mail.smtpSecurity', read: (v) => v, error: 'form.invalid' },
  smtpUser: { key: 'mail.smtpUser', read: (v) => v.trim(), error: 'form.tooLong' },
  smtpPassword: { key: 'mail.smtpPassword', read: (v) => v, error: 'form.tooLong' },
};

/** Every field is one string; a repeated field (an array) or a missing one is refused, not coerced. */
const formShape = z.object(Object.fromEntries(mailFields.map((f) => [f, z.string().max(2000)])) as Record<MailField, z.ZodString>);

/** What the form shows for stored settings; the password is never sent back to the browser. */
export function formValuesOf(settings: Settings): MailFormValues {
  const values = Object.fromEntries(mailFields.map((f) => [f, String(settings[rules[f].key])])) as MailFormValues;
  return { ...values, smtpPassword: '' };
}

export type ParsedMailForm =
  | { ok: true; settings: Partial<Settings> }
  | { ok: false; values: MailFormValues; errors: MailFormErrors };

/**
 * Checks the form against the settings' own schemas. An empty password keeps the stored one;
 * without a user name no password is kept at all (the server is used without signing in).
 */
export function parseMailForm(body: unknown, current: Settings): ParsedMailForm {
  const raw = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const values = Object.fromEntries(mailFields.map((f) => [f, typeof raw[f] === 'string' ? (raw[f] as string) : ''])) as MailFormValues;
  const echo = { ...values, smtpPassword: '' };
  const errors: MailFormErrors = {};
  const shape = formShape.safeParse(raw);
  if (!shape.success) {
    for (const issue of shape.error.issues) errors[issue.path[0] as MailField] = 'form.invalid';
    return { ok: false, values: echo, errors };
  }
  const out: Record<string, unknown> = {};
  for (const field of mailFields) {
    const { key, read, error } = rules[field];
    const parsed = settingDefinitions[key].schema.safeParse(read(shape.data[field]));
    if (parsed.success) out[key] = parsed.data;
    else errors[field] = error;
  }
  if (out['mail.transport'] === 'smtp' && out['mail.smtpHost'] === '') errors.smtpHost = 'mailSettings.errors.hostRequired';
  // The error summary lists problems in the order of the fields on the page.
  if (Object.keys(errors).length > 0) return { ok: false, values: echo, errors: Object.fromEntries(mailFields.filter((f) => errors[f]).map((f) => [f, errors[f]])) };
  if (out['mail.smtpUser'] === '') out['mail.smtpPassword'] = '';
  else if (out['mail.smtpPassword'] === '') out['mail.smtpPassword'] = current['mail.smtpPassword'];
  return { ok: true, settings: out as Partial<Settings> };
}

/** The test e-mail form: one address. */
export const testMailForm = z.object({ testTo: z.string().trim().pipe(z.email().max(254)) });
