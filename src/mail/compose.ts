import ejs from 'ejs';
import type { i18n, TFunction } from 'i18next';
import { fromRoot } from '../paths';
import { formatTrackingId } from '../tickets/tracking-id';
import { translatorFor } from '../i18n/remembered-texts';
import { newMessageId, type MailSite } from './headers';
import { mailStyle } from './html-style';
import { linkify } from '../tickets/message-text';
import { ticketMailTemplates } from './delivery-state';
import { answerWording } from './inbound';
import { formatFileSize } from './mail-attachments';
import { isEditableTemplate, missingRequiredLink, placeholderValues, reopenDate } from './template-texts';
import { paragraphs, renderHtml, renderSubject, renderText } from './template-render';
import {
  addressingSchema,
  stripControl,
  templateVars,
  type MailRequest,
  type MailTemplate,
  type ParsedTemplateVars,
  type StoredHeaders,
} from './mail.schema';

/** An admin's own wording of a template in one language (see template-texts.ts). */
export type TemplateOverrideText = { subject: string; body: string };
export type ComposeContext = {
  i18n: i18n;
  site: MailSite;
  now: number;
  /** Whether replies to our mail reach the ticket (inboundMailActive); the wording follows. */
  inboundMail: boolean;
  /** Where answers go while they reach the ticket (replyAddressOf); the Reply-To of customer ticket mails. */
  replyTo?: string;
  /** The admin's wording for a template and language, if any; without it the built-in one is used. */
  overrideFor?: (template: MailTemplate, language: string) => Promise<TemplateOverrideText | undefined>;
};

/** A mail ready for the outbox: rendered in the recipient's language, headers from valid values. */
export type ComposedMail = {
  template: MailTemplate;
  toAddress: string;
  subject: string;
  text: string;
  html: string;
  emailMessageId: string;
  headers: StoredHeaders;
  ticketId: number | null;
  messageId: number | null;
};

const viewDir = fromRoot('views', 'mail');

export { paragraphs };

/** The files that travel inside the mail (the rest are linked in its text). */
function attachedFiles(vars: ParsedTemplateVars<MailTemplate>): { attachmentIds?: number[] } {
  const ids = 'files' in vars ? vars.files.filter((f) => f.url === null).map((f) => f.id) : [];
  return ids.length ? { attachmentIds: ids } : {};
}

function ticketOf(vars: ParsedTemplateVars<MailTemplate>): { trackingId: string; subject: string } | null {
  return 'ticket' in vars ? vars.ticket : null;
}

/** Ticket mails carry `[#XXX-XXX-XXXX]`, which inbound mail threads by even without headers. */
function subjectOf(
  t: TFunction,
  template: MailTemplate,
  vars: ParsedTemplateVars<MailTemplate>,
  site: MailSite,
  custom: string | null,
): string {
  const ticket = ticketOf(vars);
  // A template of an area with its own locale file keeps its texts there, under the template's name.
  const text =
    custom ??
    t([`mail.${template}.subject`, `${template}.subject`], { subject: ticket?.subject ?? '', helpdesk: site.name });
  return stripControl(ticket ? `[#${formatTrackingId(ticket.trackingId)}] ${text}` : text);
}

/** An admin's wording with this mail's values filled in: subject, text part and HTML part. */
async function customText(
  ctx: ComposeContext,
  template: MailTemplate,
  language: string,
  vars: unknown,
  t: TFunction,
  recipientName: string,
) {
  if (!ctx.overrideFor || !isEditableTemplate(template)) return null;
  const override = await ctx.overrideFor(template, language);
  // Saving refuses such a wording; one put in the table by other means never drops the link.
  if (!override || missingRequiredLink(template, override.body)) return null;
  const filled = placeholderValues(template, vars, { t, site: ctx.site, recipientName, inbound: ctx.inboundMail });
  return {
    subject: renderSubject(override.subject, filled),
    text: renderText(override.body, filled),
    html: renderHtml(override.body, filled),
  };
}

async function render(
  file: string,
  locals: Record<string, unknown>,
  escapeValue?: (s: unknown) => string,
): Promise<string> {
  return ejs.renderFile(`${viewDir}/${file}`, locals, {
    cache: true,
    async: false,
    ...(escapeValue ? { escape: escapeValue } : {}),
  });
}

/**
 * Renders `views/mail/<template>.text.ejs` and `.html.ejs` inside their layouts, in the
 * recipient's language, or the admin's own wording of the template when there is one. The HTML
 * escapes every value (`<%= %>`); the text part is plain text, rendered with an escape that
 * writes values as they are.
 */
export async function composeMail(ctx: ComposeContext, request: MailRequest): Promise<ComposedMail> {
  const addressing = addressingSchema.parse(request);
  const vars = templateVars[request.template].parse(request.vars);
  const t = translatorFor(ctx.i18n, addressing.language);
  const name = addressing.to.name ?? '';
  const custom = await customText(ctx, request.template, addressing.language, vars, t, name);
  // A customer's answer to a mail about their ticket reaches it: say where to write, and where it goes.
  const answerable = ctx.inboundMail && ticketMailTemplates.includes(request.template);
  const replyTo = answerable && ctx.replyTo ? addressingSchema.shape.to.shape.address.parse(ctx.replyTo) : null;
  const subject = subjectOf(t, request.template, vars, ctx.site, custom?.subject ?? null);
  const locals = {
    t,
    lang: addressing.language,
    template: request.template,
    subject,
    site: ctx.site,
    vars,
    automatic: addressing.automatic,
    greeting: name ? t('mail.greeting', { name }) : t('mail.greetingNoName'),
    trackingId: formatTrackingId,
    paragraphs,
    linkify,
    files: 'files' in vars ? vars.files : [],
    fileSize: (bytes: number) => formatFileSize(bytes, addressing.language),
    answer: (key: Parameters<typeof answerWording>[1]) => answerWording(t, key, ctx.inboundMail),
    reopenDate,
    style: mailStyle,
    custom,
    // A staff notice with a signed Reply-To (src/staff-mail) is answerable too: the marker, and a word on where the answer goes.
    replyMarker: answerable || addressing.staffReplyFor ? t('mail.replyAbove') : null,
    staffAnswer: Boolean(addressing.staffReplyFor) && !answerable,
  };
  const [text, html] = await Promise.all([
    render('_layout.text.ejs', locals, (s) => (s == null ? '' : String(s))),
    render('_layout.html.ejs', locals),
  ]);
  return {
    template: request.template,
    toAddress: addressing.to.address,
    subject,
    text,
    html,
    emailMessageId: newMessageId(ctx.site.url, ctx.now),
    headers: {
      ...(name ? { toName: name } : {}),
      ...(addressing.automatic ? { autoSubmitted: true } : {}),
      ...(addressing.inReplyTo ? { inReplyTo: addressing.inReplyTo } : {}),
      ...(addressing.references?.length ? { references: addressing.references } : {}),
      ...(replyTo ? { replyTo } : {}),
      ...(addressing.staffReplyFor ? { staffReplyFor: addressing.staffReplyFor } : {}),
      ...attachedFiles(vars),
    },
    ticketId: addressing.ticketId ?? null,
    messageId: addressing.messageId ?? null,
  };
}
