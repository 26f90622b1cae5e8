import type { TFunction } from 'i18next';
import { formatTrackingId } from '../tickets/tracking-id';
import type { MailSite } from './headers';
import { answerWording } from './inbound';
import type { MailTemplate, ParsedTemplateVars } from './mail.schema';
import { placeholderPattern } from './template-render';

/**
 * The notifications admins may rewrite, and what their text may use. An override is plain text
 * with placeholders such as {{customer_name}} (never a template language, so nothing in it runs);
 * the greeting, sign-off and footer stay around it. Each placeholder's value is computed from the
 * mail's validated variables; a placeholder that is a link becomes a link in the HTML part.
 */
export type PlaceholderContext = { t: TFunction; site: MailSite; recipientName: string; inbound: boolean };
type Vars<T extends MailTemplate> = ParsedTemplateVars<T>;
type Placeholders<T extends MailTemplate> = Record<
  string,
  { value: (vars: Vars<T>, ctx: PlaceholderContext) => string; link?: true }
>;

const site = {
  helpdesk_name: { value: (_v: unknown, c: PlaceholderContext) => c.site.name },
  helpdesk_url: { value: (_v: unknown, c: PlaceholderContext) => c.site.url, link: true as const },
};
const recipient = { recipient_name: { value: (_v: unknown, c: PlaceholderContext) => c.recipientName } };
const customer = { customer_name: { value: (_v: unknown, c: PlaceholderContext) => c.recipientName } };
type TicketVars = { ticket: { trackingId: string; subject: string } };
const ticketFacts = {
  tracking_id: { value: (v: TicketVars) => formatTrackingId(v.ticket.trackingId) },
  subject: { value: (v: TicketVars) => v.ticket.subject },
};
const customerLink = { ticket_url: { value: (v: { ticket: { url: string } }) => v.ticket.url, link: true as const } };
const staffLink = {
  ticket_url: {
    value: (v: { ticket: { id: number } }, c: PlaceholderContext) => `${c.site.url}/admin/tickets/${v.ticket.id}`,
    link: true as const,
  },
};

function ticketList(v: Vars<'forgot_tracking'>, c: PlaceholderContext): string {
  if (v.tickets.length === 0) return c.t('mail.forgot_tracking.none');
  const items = v.tickets.map((ticket) => {
    const status = c.t(`mail.status.${ticket.status.key}`, { defaultValue: ticket.status.name });
    return `* ${ticket.subject}\n  ${c.t('mail.trackingId')}: ${formatTrackingId(ticket.trackingId)} · ${status}\n  ${ticket.url}`;
  });
  return [c.t('mail.forgot_tracking.listIntro', { count: v.tickets.length }), ...items].join('\n');
}

export const editableTemplates = {
  ticket_received: { ...customer, ...ticketFacts, ...customerLink, ...site } satisfies Placeholders<'ticket_received'>,
  staff_replied: {
    ...customer,
    ...ticketFacts,
    ...customerLink,
    staff_name: { value: (v) => v.staffName },
    reply_text: { value: (v) => v.replyText.replace(/\r\n?/g, '\n').trim() },
    ...site,
  } satisfies Placeholders<'staff_replied'>,
  // No ticket_url: the customer's link is theirs alone (it opens the ticket as the customer).
  follower_staff_replied: {
    ...ticketFacts,
    staff_name: { value: (v) => v.staffName },
    reply_text: { value: (v) => v.replyText.replace(/\r\n?/g, '\n').trim() },
    ...site,
  } satisfies Placeholders<'follower_staff_replied'>,
  ticket_resolved: {
    ...customer,
    ...ticketFacts,
    ...customerLink,
    next_step: {
      value: (v, c) =>
        v.canReopen
          ? answerWording(c.t, 'mail.ticket_resolved.reopen', c.inbound)
          : c.t('mail.ticket_resolved.newTicket'),
    },
    next_step_url: { value: (v) => (v.canReopen ? v.ticket.url : v.newTicketUrl), link: true },
    new_ticket_url: { value: (v) => v.newTicketUrl, link: true },
    ...site,
  } satisfies Placeholders<'ticket_resolved'>,
  ticket_auto_closed: {
    ...customer,
    ...ticketFacts,
    ...customerLink,
    next_step: {
      value: (v, c) =>
        v.reopenUntil !== null
          ? `${answerWording(c.t, 'autoClose.mail.reopen', c.inbound)} ${c.t('autoClose.mail.until', { date: reopenDate(v.reopenUntil) })}`
          : c.t('mail.ticket_resolved.newTicket'),
    },
    next_step_url: { value: (v) => (v.reopenUntil !== null ? v.ticket.url : v.newTicketUrl), link: true },
    new_ticket_url: { value: (v) => v.newTicketUrl, link: true },
    ...site,
  } satisfies Placeholders<'ticket_auto_closed'>,
  forgot_tracking: {
    ...customer,
    ticket_list: { value: ticketList },
    ticket_count: { value: (v) => String(v.tickets.length) },
    ...site,
  } satisfies Placeholders<'forgot_tracking'>,
  staff_new_ticket: {
    ...recipient,
    ...ticketFacts,
    ...staffLink,
    customer_name: { value: (v) => v.customer.name },
    customer_email: { value: (v) => v.customer.email },
    category: { value: (v) => v.categoryName },
    ...site,
  } satisfies Placeholders<'staff_new_ticket'>,
  staff_escalated: {
    ...recipient,
    ...ticketFacts,
    ...staffLink,
    staff_name: { value: (v) => v.staffName },
    from_category: { value: (v) => v.fromCategory },
    to_category: { value: (v) => v.toCategory },
    tier: { value: (v) => String(v.tier) },
    reason: { value: (v) => v.reason },
    ...site,
  } satisfies Placeholders<'staff_escalated'>,
  staff_assigned: {
    ...recipient,
    ...ticketFacts,
    ...staffLink,
    assigned_by: { value: (v) => v.assignedBy },
    ...site,
  } satisfies Placeholders<'staff_assigned'>,
  staff_customer_replied: {
    ...recipient,
    ...ticketFacts,
    ...staffLink,
    customer_name: { value: (v) => v.customerName },
    reply_text: { value: (v) => v.replyText.replace(/\r\n?/g, '\n').trim() },
    ...site,
  } satisfies Placeholders<'staff_customer_replied'>,
  staff_sla_warning: {
    ...recipient,
    ...ticketFacts,
    ...staffLink,
    target: { value: (v, c) => c.t(`sla.kinds.${v.kind}`) },
    percent: { value: (v) => String(v.atPercent) },
    due_at: { value: (v) => securityNoticeTime(v.dueAt) },
    ...site,
  } satisfies Placeholders<'staff_sla_warning'>,
  staff_invite: {
    ...recipient,
    invited_by: { value: (v) => v.invitedBy },
    invite_url: { value: (v) => v.url, link: true },
    valid_hours: { value: (v) => String(v.validHours) },
    ...site,
  } satisfies Placeholders<'staff_invite'>,
  staff_password_reset: {
    ...recipient,
    reset_url: { value: (v) => v.url, link: true },
    valid_minutes: { value: (v) => String(v.validMinutes) },
    ...site,
  } satisfies Placeholders<'staff_password_reset'>,
  staff_security_notice: {
    ...recipient,
    what: { value: (v, c) => securityNoticeWhat(v, c.t, c.site.name) },
    time: { value: (v) => securityNoticeTime(v.at) },
    password_url: { value: (v) => v.resetUrl, link: true },
    ...site,
  } satisfies Placeholders<'staff_security_notice'>,
  test_message: { requested_by: { value: (v) => v.requestedBy }, ...site } satisfies Placeholders<'test_message'>,
};

/** The last day a closed ticket takes the customer's answer (UTC: the reader's zone is unknown). */
export function reopenDate(until: number): string {
  return new Date(until).toISOString().slice(0, 10);
}

/** The sentence of a security notice that says what happened (shared by the built-in views). */
export function securityNoticeWhat(v: Vars<'staff_security_notice'>, t: TFunction, helpdesk: string): string {
  return t(`staff_security_notice.event.${v.event}`, { helpdesk, name: v.byName ?? '' });
}

/** When it happened, in UTC (the notice goes out at once; the reader's zone is unknown). */
export function securityNoticeTime(at: number): string {
  return `${new Date(at).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export type EditableTemplate = keyof typeof editableTemplates;
export const editableTemplateNames = Object.keys(editableTemplates) as EditableTemplate[];

export function isEditableTemplate(name: unknown): name is EditableTemplate {
  return typeof name === 'string' && Object.hasOwn(editableTemplates, name);
}

export function placeholderNames(template: EditableTemplate): string[] {
  return Object.keys(editableTemplates[template]);
}

/**
 * The link a mail exists for: an invitation or reset without its single-use link is useless, so
 * a wording must have it in its text (checked on save; a stored one without it is not used).
 */
const requiredLinks: Partial<Record<EditableTemplate, string>> = {
  staff_invite: 'invite_url',
  staff_password_reset: 'reset_url',
  staff_security_notice: 'password_url',
};

/** The required link placeholder that `body` lacks, if any. */
export function missingRequiredLink(template: EditableTemplate, body: string): string | null {
  const required = requiredLinks[template];
  if (!required) return null;
  return [...body.matchAll(placeholderPattern)].some((m) => m[1] === required) ? null : required;
}

/** Every placeholder's value for one mail, and which of them are links. */
export function placeholderValues(
  template: EditableTemplate,
  vars: unknown,
  ctx: PlaceholderContext,
): { values: Map<string, string>; links: Set<string> } {
  const values = new Map<string, string>();
  const links = new Set<string>();
  for (const [name, p] of Object.entries(editableTemplates[template]) as Array<
    [string, { value: (v: unknown, c: PlaceholderContext) => string; link?: true }]
  >) {
    values.set(name, p.value(vars, ctx));
    if (p.link) links.add(name);
  }
  return { values, links };
}

/**
 * The built-in wording as editable text, in the language of `t`: what an admin starts from, and
 * what "reset to default" brings back (the built-in design is used again then).
 */
export function defaultTemplateText(
  template: EditableTemplate,
  t: TFunction,
  inbound: boolean,
): { subject: string; body: string } {
  const answer = (key: Parameters<typeof answerWording>[1]) => answerWording(t, key, inbound);
  const facts = `${t('mail.trackingId')}: {{tracking_id}}\n${t('mail.subject')}: {{subject}}`;
  const subject = t([`mail.${template}.subject`, `${template}.subject`], {
    subject: '{{subject}}',
    helpdesk: '{{helpdesk_name}}',
  });
  const paragraphs: Record<EditableTemplate, string[]> = {
    ticket_received: [
      t('mail.ticket_received.intro'),
      facts,
      `${t('mail.ticket_received.keepId')}\n${answer('mail.ticket_received.replyHint')}`,
      `${t('mail.viewTicket')}: {{ticket_url}}`,
    ],
    staff_replied: [
      t('mail.staff_replied.intro', { name: '{{staff_name}}' }),
      '{{reply_text}}',
      facts,
      answer('mail.staff_replied.replyHint'),
      `${t('mail.viewTicket')}: {{ticket_url}}`,
    ],
    follower_staff_replied: [
      t('follower_staff_replied.intro', { name: '{{staff_name}}' }),
      '{{reply_text}}',
      facts,
      answer('follower_staff_replied.replyHint'),
    ],
    ticket_resolved: [t('mail.ticket_resolved.intro'), facts, '{{next_step}}\n{{next_step_url}}'],
    ticket_auto_closed: [t('autoClose.mail.intro'), facts, '{{next_step}}\n{{next_step_url}}'],
    forgot_tracking: [t('mail.forgot_tracking.intro'), '{{ticket_list}}', t('mail.forgot_tracking.ignore')],
    staff_new_ticket: [
      t('mail.staff_new_ticket.intro', { category: '{{category}}' }),
      `${facts}\n${t('mail.staff_new_ticket.customer')}: {{customer_name}} <{{customer_email}}>\n${t('mail.staff_new_ticket.category')}: {{category}}`,
      `${t('mail.staff_new_ticket.open')}: {{ticket_url}}`,
    ],
    staff_escalated: [
      t('mail.staff_escalated.intro', { name: '{{staff_name}}', tier: '{{tier}}', category: '{{to_category}}' }),
      `${facts}\n${t('mail.staff_escalated.from')}: {{from_category}}\n${t('mail.staff_escalated.reason')}: {{reason}}`,
      `${t('mail.staff_new_ticket.open')}: {{ticket_url}}`,
    ],
    staff_assigned: [
      t('staff_assigned.intro', { name: '{{assigned_by}}' }),
      facts,
      `${t('staff_assigned.open')}: {{ticket_url}}`,
    ],
    staff_customer_replied: [
      t('staff_customer_replied.intro', { name: '{{customer_name}}' }),
      '{{reply_text}}',
      facts,
      `${t('staff_customer_replied.open')}: {{ticket_url}}`,
    ],
    staff_sla_warning: [
      t('slaEscalations.mail.intro', { target: '{{target}}', percent: '{{percent}}', due: '{{due_at}}' }),
      facts,
      `${t('mail.staff_new_ticket.open')}: {{ticket_url}}`,
    ],
    staff_invite: [
      t('staff_invite.intro', { name: '{{invited_by}}', helpdesk: '{{helpdesk_name}}' }),
      `${t('staff_invite.action')}: {{invite_url}}`,
      `${t('staff_invite.expires', { hours: '{{valid_hours}}' })} ${t('staff_invite.ignore')}`,
    ],
    staff_password_reset: [
      t('staff_password_reset.intro', { helpdesk: '{{helpdesk_name}}' }),
      `${t('staff_password_reset.action')}: {{reset_url}}`,
      `${t('staff_password_reset.expires', { minutes: '{{valid_minutes}}' })} ${t('staff_password_reset.ignore')}`,
    ],
    staff_security_notice: [
      '{{what}}',
      `${t('staff_security_notice.when')}: {{time}}`,
      `${t('staff_security_notice.notYou')} {{password_url}}`,
    ],
    test_message: [
      t('mail.test_message.intro', { helpdesk: '{{helpdesk_name}}', name: '{{requested_by}}' }),
      t('mail.test_message.success'),
    ],
  };
  return { subject, body: paragraphs[template].join('\n\n') };
}
