import type { i18n } from 'i18next';
import { z } from 'zod';
import { recordAudit, type AuditEntry } from '../audit/audit.repo';
import type { Clock } from '../clock';
import type { Db } from '../db/db';
import { withTransaction } from '../db/transaction';
import { ValidationError } from '../errors';
import { languageCodes, type LanguageCode } from '../i18n/i18n';
import type { SettingsService } from '../settings/settings.service';
import { tokenLifetimes } from '../staff/staff-tokens';
import { composeMail, type TemplateOverrideText } from './compose';
import { siteOf } from './headers';
import type { MailRequest } from './mail.schema';
import {
  deleteTemplateOverride,
  findTemplateOverride,
  listTemplateOverrides,
  saveTemplateOverride,
} from './template-overrides.repo';
import { placeholderPattern } from './template-render';
import { inboundMailActive } from './inbound';
import {
  defaultTemplateText,
  editableTemplateNames,
  missingRequiredLink,
  placeholderNames,
  type EditableTemplate,
} from './template-texts';

export type TemplateDeps = { db: Db; i18n: i18n; settings: SettingsService; clock: Clock };
export type TemplateChangeContext = { actor: AuditEntry['actor']; ip?: string };

// eslint-disable-next-line no-control-regex
const controlChars = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
const textSchema = z.object({
  subject: z
    .string({ error: 'form.required' })
    .trim()
    .min(1, { error: 'form.required' })
    .max(255, { error: 'form.tooLong' })
    .refine((v) => !controlChars.test(v) && !/[\r\n]/.test(v), { error: 'form.invalidCharacters' }),
  body: z
    .string({ error: 'form.required' })
    .transform((v) => v.replace(/\r\n?/g, '\n').trim())
    .pipe(
      z
        .string()
        .min(1, { error: 'form.required' })
        .max(20_000, { error: 'form.tooLong' })
        .refine((v) => !controlChars.test(v), { error: 'form.invalidCharacters' }),
    ),
});

/** The templates and, per language, whether an admin has rewritten it. */
export async function templateOverview(db: Db) {
  const overrides = await listTemplateOverrides(db);
  return editableTemplateNames.map((template) => ({
    template,
    languages: languageCodes.map((language) => ({
      language,
      overridden: overrides.some((o) => o.template === template && o.language === language),
    })),
  }));
}

/** What the editor shows: the admin's wording, else the built-in one as editable text. */
export async function templateForEditing(deps: TemplateDeps, template: EditableTemplate, language: LanguageCode) {
  const override = await findTemplateOverride(deps.db, template, language);
  const text =
    override ??
    defaultTemplateText(template, deps.i18n.getFixedT(language), inboundMailActive(await deps.settings.all()));
  return {
    subject: text.subject,
    body: text.body,
    overridden: Boolean(override),
    placeholders: placeholderNames(template),
  };
}

/**
 * Checks a wording: both parts present, no control characters, only this template's
 * placeholders (a misspelt one would reach customers as typed) and, for an invitation or a
 * password reset, its link in the text (without it the mail is useless).
 */
export function checkTemplateText(template: EditableTemplate, input: unknown): TemplateOverrideText {
  const raw = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
  const parsed = textSchema.safeParse(raw);
  const errors: Record<string, string> = {};
  if (!parsed.success)
    for (const issue of parsed.error.issues)
      errors[String(issue.path[0])] ??= issue.message.includes('.') ? issue.message : 'form.invalid';
  const known = new Set(placeholderNames(template));
  for (const field of ['subject', 'body'] as const) {
    const value = raw[field];
    if (errors[field] || typeof value !== 'string') continue;
    const unknown = [...value.matchAll(placeholderPattern)].map((m) => m[1]!).find((name) => !known.has(name));
    if (unknown)
      errors[field] = `mailTemplates.errors.unknownPlaceholder|${JSON.stringify({ name: `{{${unknown}}}` })}`;
  }
  const missing = !errors.body && parsed.success ? missingRequiredLink(template, parsed.data.body) : null;
  if (missing) errors.body = `mailTemplates.errors.missingLink|${JSON.stringify({ name: `{{${missing}}}` })}`;
  if (!parsed.success || Object.keys(errors).length > 0) throw new ValidationError('Check the template.', errors);
  return parsed.data;
}

const clip = (s: string | undefined) => (s === undefined ? null : s.length > 2000 ? `${s.slice(0, 2000)}…` : s);

export async function saveTemplate(
  deps: TemplateDeps,
  context: TemplateChangeContext,
  template: EditableTemplate,
  language: LanguageCode,
  input: unknown,
): Promise<void> {
  const text = checkTemplateText(template, input);
  await withTransaction(deps.db, async (trx) => {
    const now = deps.clock.now();
    const before = await findTemplateOverride(trx, template, language);
    await saveTemplateOverride(trx, { template, language, ...text, staffId: context.actor?.id ?? null }, now);
    const changes = {
      subject: { before: clip(before?.subject), after: text.subject },
      body: { before: clip(before?.body), after: clip(text.body) },
    };
    await recordAudit(
      trx,
      {
        actor: context.actor,
        action: 'template.saved',
        target: { type: 'mail_template', id: `${template}/${language}` },
        details: { changes },
        ...(context.ip ? { ip: context.ip } : {}),
      },
      now,
    );
  });
  deps.settings.invalidate(); // the wordings are kept beside the settings
}

/** Removes the admin's wording: the built-in template is used again. */
export async function resetTemplate(
  deps: TemplateDeps,
  context: TemplateChangeContext,
  template: EditableTemplate,
  language: LanguageCode,
): Promise<void> {
  await withTransaction(deps.db, async (trx) => {
    const now = deps.clock.now();
    const before = await findTemplateOverride(trx, template, language);
    if (!before) return;
    await deleteTemplateOverride(trx, template, language, now);
    const changes = {
      subject: { before: before.subject, after: null },
      body: { before: clip(before.body), after: null },
    };
    await recordAudit(
      trx,
      {
        actor: context.actor,
        action: 'template.reset',
        target: { type: 'mail_template', id: `${template}/${language}` },
        details: { changes },
        ...(context.ip ? { ip: context.ip } : {}),
      },
      now,
    );
  });
  deps.settings.invalidate();
}

/** Not a real token: the preview shows where the single-use link goes. */
const sampleToken = 'SAMPLE-LINK-NOT-VALID';

/** A sample ticket for the preview, in the shape each template's mail really gets. */
function sampleRequest(
  template: EditableTemplate,
  language: LanguageCode,
  siteUrl: string,
  t: (k: string) => string,
): MailRequest {
  const ticket = {
    trackingId: 'ABC234DEFG',
    subject: t('mailTemplates.sample.subject'),
    url: `${siteUrl}/helpdesk/tickets/ABC234DEFG`,
  };
  const base = {
    to: { address: 'customer@example.com', name: t('mailTemplates.sample.customer') },
    language,
    automatic: true,
  };
  const staffTicket = { id: 42, trackingId: ticket.trackingId, subject: ticket.subject };
  const staffRecipient = { address: 'staff@example.com', name: t('mailTemplates.sample.staff') };
  switch (template) {
    case 'ticket_received':
      return { ...base, template, vars: { ticket } };
    case 'staff_replied':
      return {
        ...base,
        template,
        automatic: false,
        vars: { staffName: t('mailTemplates.sample.staff'), ticket, replyText: t('mailTemplates.sample.reply') },
      };
    case 'follower_staff_replied':
      return {
        ...base,
        to: { address: 'follower@example.com' },
        template,
        automatic: false,
        vars: {
          staffName: t('mailTemplates.sample.staff'),
          ticket: { trackingId: ticket.trackingId, subject: ticket.subject },
          replyText: t('mailTemplates.sample.reply'),
        },
      };
    case 'ticket_resolved':
      return { ...base, template, vars: { ticket, canReopen: true, newTicketUrl: `${siteUrl}/helpdesk/tickets/new` } };
    case 'ticket_auto_closed':
      return {
        ...base,
        template,
        vars: { ticket, reopenUntil: Date.UTC(2026, 0, 30), newTicketUrl: `${siteUrl}/helpdesk/tickets/new` },
      };
    case 'forgot_tracking':
      return {
        ...base,
        template,
        vars: {
          tickets: [
            {
              trackingId: ticket.trackingId,
              subject: ticket.subject,
              status: { key: 'open', name: 'Open' },
              url: ticket.url,
            },
          ],
        },
      };
    case 'staff_new_ticket':
      return {
        ...base,
        to: staffRecipient,
        template,
        vars: {
          ticket: staffTicket,
          customer: { name: t('mailTemplates.sample.customer'), email: 'customer@example.com' },
          categoryName: t('mailTemplates.sample.category'),
        },
      };
    case 'staff_escalated':
      return {
        ...base,
        to: staffRecipient,
        template,
        vars: {
          ticket: staffTicket,
          staffName: t('mailTemplates.sample.staff'),
          fromCategory: t('mailTemplates.sample.category'),
          toCategory: t('mailTemplates.sample.category2'),
          tier: 2,
          reason: t('mailTemplates.sample.reason'),
        },
      };
    case 'staff_assigned':
      return {
        ...base,
        to: staffRecipient,
        template,
        vars: { ticket: staffTicket, assignedBy: t('mailTemplates.sample.staff') },
      };
    case 'staff_customer_replied':
      return {
        ...base,
        to: staffRecipient,
        template,
        vars: {
          ticket: staffTicket,
          customerName: t('mailTemplates.sample.customer'),
          replyText: t('mailTemplates.sample.customerReply'),
        },
      };
    case 'staff_sla_warning':
      return {
        ...base,
        to: staffRecipient,
        template,
        vars: { ticket: staffTicket, kind: 'first', atPercent: 80, dueAt: Date.UTC(2026, 0, 15, 10, 0) },
      };
    case 'staff_invite':
      return {
        ...base,
        to: staffRecipient,
        template,
        vars: {
          invitedBy: t('mailTemplates.sample.admin'),
          url: `${siteUrl}/admin/invite/${sampleToken}`,
          validHours: tokenLifetimes.invite / 3600_000,
        },
      };
    case 'staff_password_reset':
      return {
        ...base,
        to: staffRecipient,
        template,
        vars: { url: `${siteUrl}/admin/reset/${sampleToken}`, validMinutes: tokenLifetimes.reset / 60_000 },
      };
    case 'staff_security_notice':
      return {
        ...base,
        to: staffRecipient,
        template,
        vars: {
          event: 'password_changed',
          at: Date.UTC(2026, 0, 15, 9, 30),
          resetUrl: `${siteUrl}/admin/forgot-password`,
        },
      };
    case 'test_message':
      // The test goes to a typed address, without a name.
      return {
        ...base,
        to: { address: 'admin@example.com' },
        template,
        automatic: false,
        vars: { requestedBy: t('mailTemplates.sample.admin') },
      };
  }
}

/**
 * The mail as a customer or staff member would get it, for a sample ticket: with the given
 * draft wording, else the saved one, else the built-in template.
 */
export async function previewTemplate(
  deps: TemplateDeps,
  template: EditableTemplate,
  language: LanguageCode,
  draft: TemplateOverrideText | null,
) {
  const settings = await deps.settings.all();
  const site = siteOf(settings);
  const t = deps.i18n.getFixedT(language);
  const overrideFor = async () => draft ?? (await findTemplateOverride(deps.db, template, language));
  const mail = await composeMail(
    { i18n: deps.i18n, site, now: deps.clock.now(), inboundMail: inboundMailActive(settings), overrideFor },
    sampleRequest(template, language, site.url, t),
  );
  return { subject: mail.subject, html: mail.html, text: mail.text };
}
