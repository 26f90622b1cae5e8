import { z } from 'zod';
import { languageCodes } from '../i18n/i18n';

/**
 * Every setting: its tab, its type and range, and its default. The help text shown beside it
 * is the locale key `settings.help.<key>`; the label `settings.label.<key>`.
 */
export const settingGroups = [
  'general',
  'tickets',
  'portal',
  'sending',
  'fetching',
  'attachments',
  'spam',
  'kb',
  'languages',
] as const;
export type SettingGroup = (typeof settingGroups)[number];

/** The names found valid so far: at most the runtime's few hundred zones (invalid ones are not kept). */
const knownTimeZones = new Set<string>();

/**
 * A time zone name the runtime knows (IANA, e.g. Europe/Bratislava). Remembered once found:
 * building an Intl.DateTimeFormat costs ~0.2 ms of CPU, and every SLA calendar read checks its
 * zone (it was a third of the SLA re-plan's CPU per ticket).
 */
export function isTimeZone(name: string): boolean {
  if (knownTimeZones.has(name)) return true;
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
  } catch {
    return false;
  }
  knownTimeZones.add(name);
  return true;
}

const def = <T extends z.ZodType>(group: SettingGroup, schema: T, fallback: z.infer<T>) => ({
  group,
  schema,
  fallback,
});

export const settingDefinitions = {
  'helpdesk.name': def('general', z.string().trim().min(1).max(100), 'Help desk'),
  'helpdesk.url': def(
    'general',
    z
      .string()
      .trim()
      .url({ protocol: /^https?$/ })
      .max(255)
      .transform((v) => v.replace(/\/+$/, '')),
    'http://localhost:3000',
  ),
  'helpdesk.email': def('general', z.string().trim().email().max(254), 'help@example.com'),
  'helpdesk.timezone': def('languages', z.string().min(1).max(64).refine(isTimeZone), 'UTC'),
  'helpdesk.language': def('languages', z.enum(languageCodes), 'en'),
  'helpdesk.dateFormat': def(
    'languages',
    z.enum(['YYYY-MM-DD', 'DD.MM.YYYY', 'DD/MM/YYYY', 'MM/DD/YYYY']),
    'YYYY-MM-DD',
  ),
  'tickets.autoCloseDays': def('tickets', z.number().int().min(0).max(365), 7),
  'tickets.reopenDays': def('tickets', z.number().int().min(0).max(3650), 30),
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
  // What customers may upload per hour, per address and per ticket (src/security/reply-quota.ts).
  'attachments.quotaMbPerHour': def('attachments', z.number().int().min(1).max(100000), 100),
  'attachments.quotaFilesPerHour': def('attachments', z.number().int().min(1).max(100000), 50),
  'attachments.allowedTypes': def('attachments', z.array(z.string().regex(/^[a-z0-9]{1,10}$/)).max(100), [
    'jpg',
    'jpeg',
    'png',
    'gif',
    'webp',
    'pdf',
    'txt',
    'csv',
    'log',
    'doc',
    'docx',
    'xls',
    'xlsx',
    'odt',
    'ods',
    'zip',
  ]),
  'spam.minFillSeconds': def('spam', z.number().int().min(0).max(600), 3),
  'spam.question': def('spam', z.string().max(200), ''),
  'spam.answer': def('spam', z.string().max(200), ''),
  'spam.submissionsPerHour': def('spam', z.number().int().min(1).max(10000), 10),
  'spam.lookupFailuresPerHour': def('spam', z.number().int().min(1).max(10000), 20),
  'spam.repliesPerHour': def('spam', z.number().int().min(1).max(10000), 20),
  // Staff without two-factor sign-in are sent to set it up before anything else.
  'security.requireTwoFactor': def('spam', z.boolean(), false),
  'mail.transport': def('sending', z.enum(['smtp', 'log']), 'log'),
  'mail.fromName': def(
    'sending',
    z
      .string()
      .max(100)
      .refine((v) => !/[\r\n]/.test(v)),
    '',
  ),
  'mail.fromAddress': def('sending', z.string().trim().email().max(254).or(z.literal('')), ''),
  'mail.smtpHost': def(
    'sending',
    z
      .string()
      .trim()
      .max(255)
      .regex(/^[A-Za-z0-9.:[\]_-]*$/),
    '',
  ),
  'mail.smtpPort': def('sending', z.number().int().min(1).max(65535), 587),
  'mail.smtpSecurity': def('sending', z.enum(['starttls', 'tls', 'none']), 'starttls'),
  'mail.smtpUser': def('sending', z.string().max(255), ''),
  'mail.smtpPassword': def('sending', z.string().max(255), ''),
  // Customers answer our mails and the answer reaches the ticket (a mailbox or the pipe imports it): see src/mail/inbound.ts.
  'mail.inboundReplies': def('sending', z.boolean(), false),
  // Where those answers go (Reply-To); empty: the help desk's e-mail address.
  'mail.replyTo': def('sending', z.string().trim().email().max(254).or(z.literal('')), ''),
  // Staff answer ticket notifications from their own mail client (src/staff-mail): a signed plus-address as Reply-To.
  'mail.staffReplies': def('sending', z.boolean(), false),
  // The authserv-id of our receiving mail server: its topmost Authentication-Results header is trusted for staff answers (src/staff-mail/sender-auth.ts).
  'mail.trustedAuthServId': def(
    'sending',
    z
      .string()
      .trim()
      .max(255)
      .regex(/^[A-Za-z0-9._-]*$/),
    '',
  ),
  // The Cc addresses of a new ticket's mail become its followers (src/followers).
  'mail.ccFollowers': def('sending', z.boolean(), false),
  'fetch.protocol': def('fetching', z.enum(['none', 'imap', 'pop3']), 'none'),
  'fetch.host': def(
    'fetching',
    z
      .string()
      .trim()
      .max(255)
      .regex(/^[A-Za-z0-9.:[\]_-]*$/),
    '',
  ),
  'fetch.port': def('fetching', z.number().int().min(1).max(65535), 993),
  'fetch.security': def('fetching', z.enum(['tls', 'starttls', 'none']), 'tls'),
  'fetch.user': def('fetching', z.string().trim().max(255), ''),
  'fetch.password': def('fetching', z.string().max(255), ''),
  'fetch.folder': def(
    'fetching',
    z
      .string()
      .trim()
      .min(1)
      .max(255)
      .refine((v) => !/[\r\n]/.test(v)),
    'INBOX',
  ),
  'fetch.intervalMinutes': def('fetching', z.number().int().min(1).max(60), 5),
  'fetch.deleteAfterImport': def('fetching', z.boolean(), false),
  // Inbound e-mail (src/mail-intake): a bigger mail is kept aside; more than senderMaxMails from one
  // address within senderWindowMinutes are refused (loops with robots, floods).
  'intake.maxMailMb': def('attachments', z.number().int().min(1).max(100), 25),
  'intake.senderMaxMails': def('spam', z.number().int().min(1).max(10000), 20),
  'intake.senderWindowMinutes': def('spam', z.number().int().min(1).max(1440), 60),
  'kb.enabled': def('kb', z.boolean(), true),
  'kb.suggestOnSubmit': def('kb', z.boolean(), true),
  'kb.articlesPerPage': def('kb', z.number().int().min(5).max(100), 20),
  // Searches and suggestion sessions older than this are deleted (the numbers page looks back 90 days at most).
  // Knowledge-base searches per client address and minute (suggestions while typing: twice as many).
  'kb.searchesPerMinute': def('kb', z.number().int().min(10).max(100000), 60),
  'kb.logRetentionDays': def('kb', z.number().int().min(90).max(3650), 180),
} as const;

export type SettingKey = keyof typeof settingDefinitions;

/** Settings never sent back to a browser nor written to the audit log in clear. */
export const secretSettingKeys: readonly SettingKey[] = ['mail.smtpPassword', 'fetch.password'];
/**
 * Settings only administrators change, whatever else a role may manage: where account links
 * point (helpdesk.url, in every invitation and password reset mail), where mail goes and with
 * which stored passwords (an SMTP or IMAP host of one's own would receive the reset links or the
 * saved password), and the two-factor requirement. Through them `settings.manage` would reach
 * an administrator's account.
 */
export const adminOnlySettingKeys: readonly SettingKey[] = [
  'helpdesk.url',
  'security.requireTwoFactor',
  'mail.transport',
  'mail.fromAddress',
  'mail.smtpHost',
  'mail.smtpPort',
  'mail.smtpSecurity',
  'mail.smtpUser',
  'mail.smtpPassword',
  'mail.replyTo',
  'mail.staffReplies',
  'mail.trustedAuthServId',
  'fetch.protocol',
  'fetch.host',
  'fetch.port',
  'fetch.security',
  'fetch.user',
  'fetch.password',
  'fetch.folder',
  'fetch.deleteAfterImport',
];
export type SettingValue<K extends SettingKey> = z.infer<(typeof settingDefinitions)[K]['schema']>;
export type Settings = { [K in SettingKey]: SettingValue<K> };

export function isSettingKey(key: string): key is SettingKey {
  return Object.hasOwn(settingDefinitions, key);
}
