import type { i18n } from 'i18next';
import type { Knex } from 'knex';
import type { FileProblem } from '../attachments/file-check';
import { findActiveCategory, listActiveCategories, listPublicCategories } from '../categories/categories.repo';
import { findCustomerByEmail } from '../customers/customers.repo';
import { isLanguage, languageCodes } from '../i18n/i18n';
import type { Settings } from '../settings/settings.schema';
import { messageMaxLength } from '../tickets/submission.schema';
import type { NewTicketPlan } from './deliver';
import type { IncomingMail } from './parse-mail';
import { cutQuotedText } from './quote-cut';

/** The first UI language a Content-Language / Accept-Language value names ("sk-SK, en;q=0.8"), else null. */
export function uiLanguageOf(header: string | null): string | null {
  for (const part of (header ?? '').split(',')) {
    const code = part.split(';')[0]!.trim().toLowerCase().split(/[-_]/)[0]!;
    if (isLanguage(code)) return code;
  }
  return null;
}

/** The name a customer gets from a mail: the From display name, else the address's local part. */
function customerName(from: { address: string; name: string }): string {
  // eslint-disable-next-line no-control-regex
  const name = from.name
    .replace(/[\u0000-\u001f\u007f]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return (name || from.address.split('@')[0]!).slice(0, 120);
}

/**
 * A new ticket from a mail: the mailbox's category and priority, else the first active public
 * category in the admin's order (the one the web form offers first) with its default priority;
 * a private category only when no public one exists. Null when there is no active category.
 */
export async function planNewTicket(
  db: Knex,
  mail: IncomingMail,
  origin: { defaults?: { categoryId: number | null; priorityKey: string | null } },
  settings: Settings,
  /** False when the mail joins a ticket: the plan then only gives the language, no customer is looked up. */
  opensTicket = true,
): Promise<NewTicketPlan | null> {
  const wanted = origin.defaults?.categoryId ? await findActiveCategory(db, origin.defaults.categoryId) : undefined;
  const category = wanted ?? (await listPublicCategories(db))[0] ?? (await listActiveCategories(db))[0];
  if (!category || !mail.from) return null;
  const firstLine = mail.text.trim().split('\n')[0]?.trim().slice(0, 80) ?? '';
  return {
    customer: {
      name: customerName(mail.from),
      email: mail.from.address,
      language: uiLanguageOf(mail.language) ?? settings['helpdesk.language'] ?? languageCodes[0],
    },
    categoryId: Number(category.id),
    category,
    knownCustomer: opensTicket ? ((await findCustomerByEmail(db, mail.from.address)) ?? null) : null,
    priorityKey: origin.defaults?.priorityKey ?? null,
    subject: (mail.subject || firstLine || '—').slice(0, 200),
  };
}

const markerCache = new WeakMap<i18n, string[]>();

/** Our "reply above this line" marker in every language (mail.replyAbove, when outbound mail has it); texts load once. */
function replyMarkersOf(texts: i18n): string[] {
  let markers = markerCache.get(texts);
  if (!markers) {
    markers = languageCodes.map((lng) => texts.getFixedT(lng)('mail.replyAbove', { defaultValue: '' }));
    markerCache.set(texts, markers);
  }
  return markers;
}

/**
 * The stored message: what the person wrote above the quoted history and signature, NUL bytes
 * removed (no database stores them in text), capped at the web form's length, and a note of the
 * files that were left off in the ticket's language.
 */
export function composeBody(texts: i18n, mail: IncomingMail, problems: FileProblem[], language: string): string {
  const markers = replyMarkersOf(texts);
  // eslint-disable-next-line no-control-regex
  let body = cutQuotedText(mail.text.replace(/\u0000/g, ''), markers).slice(0, messageMaxLength);
  if (problems.length) {
    const t = texts.getFixedT(language);
    const lines = problems.map((p) => `- ${t(p.key, { ...p.vars, interpolation: { escapeValue: false } })}`);
    body = `${body}\n\n[${t('mailIntake.filesLeftOff')}]\n${lines.join('\n')}`.trim();
  }
  return body || '—';
}
