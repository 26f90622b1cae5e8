import { z } from 'zod';
import { languageCodes } from '../i18n/i18n';

// eslint-disable-next-line no-control-regex
const control = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
const noControl = (v: string) => !control.test(v);

/** Name, signature and language. Each message is a locale key shown beside its field. */
export const detailsSchema = z.object({
  name: z
    .string({ error: 'form.required' })
    .trim()
    .min(1, { error: 'form.required' })
    .max(120, { error: 'form.tooLong' })
    .refine((v) => noControl(v) && !/[\r\n]/.test(v), { error: 'form.invalidCharacters' }),
  signature: z
    .string({ error: 'form.invalid' })
    .transform((v) => v.replace(/\r\n?/g, '\n').replace(/\s+$/, ''))
    .pipe(z.string().max(2000, { error: 'form.tooLong' }).refine(noControl, { error: 'form.invalidCharacters' }))
    .optional()
    .default(''),
  language: z.enum(languageCodes, { error: 'profile.error.language' }),
});
export type ProfileDetails = z.output<typeof detailsSchema>;

/** A ticked checkbox sends "yes"; an unticked one sends nothing. Anything else is refused. */
const checkbox = z
  .literal('yes', { error: 'form.invalid' })
  .optional()
  .transform((v) => v === 'yes');

export const notificationSwitches = [
  'notify_assigned',
  'notify_customer_reply',
  'notify_escalated',
  'notify_new_ticket',
] as const;
export type NotificationSwitch = (typeof notificationSwitches)[number];

export const notificationsSchema = z.object({
  notify_assigned: checkbox,
  notify_customer_reply: checkbox,
  notify_escalated: checkbox,
  notify_new_ticket: checkbox,
  is_away: checkbox,
});
export type ProfileNotifications = z.output<typeof notificationsSchema>;

export const passwordChangeSchema = z.object({
  current_password: z
    .string({ error: 'profile.error.passwordMissing' })
    .min(1, { error: 'profile.error.passwordMissing' })
    .max(1000, { error: 'form.tooLong' }),
  new_password: z
    .string({ error: 'form.required' })
    .min(1, { error: 'form.required' })
    .max(1000, { error: 'password.too_long' }),
  confirm_password: z.string({ error: 'form.required' }).max(1000, { error: 'form.tooLong' }),
  /** "Also revoke my API tokens" (ticked on the form by default). */
  revoke_tokens: checkbox,
});

/** zod issues as the field → locale key map the forms show (first problem of each field). */
export function fieldErrors(error: z.ZodError): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const issue of error.issues)
    errors[String(issue.path[0] ?? 'form')] ??= issue.message.includes('.') ? issue.message : 'form.invalid';
  return errors;
}
