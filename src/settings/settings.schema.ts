import { z } from 'zod';
import { languageCodes } from '../i18n/i18n';

/**
 * Every setting: its tab, its type and range, and its default. The help text shown beside it
 * is the locale key `settings.help.<key>`; the label `settings.label.<key>`.
 */
export const settingGroups = ['general', 'tickets', 'portal', 'sending', 'attachments', 'spam'] as const;
export type SettingGroup = (typeof settingGroups)[number];

const def = <T extends z.ZodType>(group: SettingGroup, schema: T, fallback: z.infer<T>) => ({ group, schema, fallback });

export const settingDefinitions = {
  'helpdesk.name': def('general', z.string().trim().min(1).max(100), 'Help desk'),
  'helpdesk.url': def('general', z.string().trim().url().max(255).transform((v) => v.replace(/\/+$/, '')), 'http://localhost:3000'),
  'helpdesk.email': def('general', z.string().trim().email().max(254), 'help@example.com'),
  'helpdesk.timezone': def('general', z.string().min(1).max(64), 'UTC'),
  'helpdesk.language': def('general', z.enum(languageCodes), 'en'),
  'portal.serviceMessage': def('portal', z.string().max(2000), ''),
  'portal.confirmEmail': def('portal', z.boolean(), false),
  'portal.customerPriority': def('portal', z.boolean(), false),
  'portal.customerResolve': def('portal', z.boolean(), true),
  'portal.customerReopen': def('portal', z.boolean(), true),
  'portal.maxOpenPerEmail': def('portal', z.number().int().min(0).max(1000), 10),
  'portal.forgotListsAll': def('portal', z.boolean(), false),
  'portal.linkDays': def('portal', z.number().int().min(1).max(365), 30),
  'attachments.maxCount': def('attachments', z.number().int().min(0).max(20), 5),
  'attachments.maxSizeMb': def('attachments', z.number().int().min(1).max(100), 10),
  'attachments.allowedTypes': def('attachments', z.array(z.string().regex(/^[a-z0-9]{1,10}$/)).max(100), [
    'jpg', 'jpeg', 'png', 'gif', 'webp', 'pdf', 'txt', 'csv', 'log', 'doc', 'docx', 'xls', 'xlsx', 'odt', 'ods', 'zip',
  ]),
  'spam.minFillSeconds': def('spam', z.number().int().min(0).max(600), 3),
  'spam.question': def('spam', z.string().max(200), ''),
  'spam.answer': def('spam', z.string().max(200), ''),
  'spam.submissionsPerHour': def('spam', z.number().int().min(1).max(10000), 10),
  'spam.lookupFailuresPerHour': def('spam', z.number().int().min(1).max(10000), 20),
  'mail.transport': def('sending', z.enum(['smtp', 'log']), 'log'),
  'mail.fromName': def('sending', z.string().max(100).refine((v) => !/[\r\n]/.test(v)), ''),
  'mail.fromAddress': def('sending', z.string().trim().email().max(254).or(z.literal('')), ''),
  'mail.smtpHost': def('sending', z.string().trim().max(255).regex(/^[A-Za-z0-9.:[\]_-]*$/), ''),
  'mail.smtpPort': def('sending', z.number().int().min(1).max(65535), 587),
  'mail.smtpSecurity': def('sending', z.enum(['starttls', 'tls', 'none']), 'starttls'),
  'mail.smtpUser': def('sending', z.string().max(255), ''),
  'mail.smtpPassword': def('sending', z.string().max(255), ''),
} as const;

export type SettingKey = keyof typeof settingDefinitions;
export type SettingValue<K extends SettingKey> = z.infer<(typeof settingDefinitions)[K]['schema']>;
export type Settings = { [K in SettingKey]: SettingValue<K> };

export function isSettingKey(key: string): key is SettingKey {
  return Object.hasOwn(settingDefinitions, key);
}
