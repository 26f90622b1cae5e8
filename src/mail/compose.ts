import ejs from 'ejs';
import type { i18n, TFunction } from 'i18next';
import { fromRoot } from '../paths';
import { formatTrackingId } from '../tickets/tracking-id';
import { newMessageId, type MailSite } from './headers';
import { mailStyle } from './html-style';
import {
  addressingSchema,
  stripControl,
  templateVars,
  type MailRequest,
  type MailTemplate,
  type ParsedTemplateVars,
  type StoredHeaders,
} from './mail.schema';

export type ComposeContext = { i18n: i18n; site: MailSite; now: number };

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

/** Splits user text into paragraphs of lines, so HTML keeps its line breaks with every value escaped. */
export function paragraphs(text: string): string[][] {
  return text
    .replace(/\r\n?/g, '\n')
    .trim()
    .split(/\n[ \t]*\n+/)
    .map((p) => p.split('\n'));
}

function ticketOf(vars: ParsedTemplateVars<MailTemplate>): { trackingId: string; subject: string } | null {
  return 'ticket' in vars ? vars.ticket : null;
}

/** Ticket mails carry `[#XXX-XXX-XXXX]`, which inbound mail threads by even without headers. */
function subjectOf(t: TFunction, template: MailTemplate, vars: ParsedTemplateVars<MailTemplate>, site: MailSite): string {
  const ticket = ticketOf(vars);
  // A template of an area with its own locale file keeps its texts there, under the template's name.
  const text = t([`mail.${template}.subject`, `${template}.subject`], { subject: ticket?.subject ?? '', helpdesk: site.name });
  return stripControl(ticket ? `[#${formatTrackingId(ticket.trackingId)}] ${text}` : text);
}

async function render(file: string, locals: Record<string, unknown>, escape?: (s: unknown) => string): Promise<string> {
  return ejs.renderFile(`${viewDir}/${file}`, locals, { cache: true, async: false, ...(escape ? { escape } : {}) });
}

/**
 * Renders `views/mail/<template>.text.ejs` and `.html.ejs` inside their layouts, in the
 * recipient's language. The HTML escapes every value (`<%= %>`); the text part is plain text,
 * so there values are written as they are.
 */
export async function composeMail(ctx: ComposeContext, request: MailRequest): Promise<ComposedMail> {
  const addressing = addressingSchema.parse(request);
  const vars = templateVars[request.template].parse(request.vars);
  const t = ctx.i18n.getFixedT(addressing.language);
  const name = addressing.to.name ?? '';
  const subject = subjectOf(t, request.template, vars, ctx.site);
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
    style: mailStyle,
  };
  const [text, html] = await Promise.all([render('_layout.text.ejs', locals, (s) => (s == null ? '' : String(s))), render('_layout.html.ejs', locals)]);
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
    },
    ticketId: addressing.ticketId ?? null,
    messageId: addressing.messageId ?? null,
  };
}
