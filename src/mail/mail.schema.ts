import { z } from 'zod';
import { isLanguage, type LanguageCode } from '../i18n/i18n';
import { parseTrackingId } from '../tickets/tracking-id';

/**
 * What a mail is made of before it is composed: the template, its typed variables and the
 * recipient. Everything here ends up in a header or a link, so it is validated before any mail
 * is stored, whoever the caller is.
 */

/** Text that ends up in a header (names, subjects): control characters become spaces. */
export const headerText = (max: number) =>
  z
    .string()
    .max(max * 4)
    .transform((v) => stripControl(v).slice(0, max));

export function stripControl(value: string): string {
  // eslint-disable-next-line no-control-regex
  return value
    .replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ')
    .replace(/\s{2,}/g, ' ')
    .trim();
}

const trackingId = z.string().transform((v, ctx) => {
  const id = parseTrackingId(v);
  if (!id) ctx.addIssue({ code: 'custom', message: 'not a tracking ID' });
  return id ?? '';
});
const link = z.url({ protocol: /^https?$/ }).max(2000);
const personName = headerText(120);
const ticketSubject = headerText(255);

/** A message ID in angle brackets, as the Message-ID, In-Reply-To and References headers take. */
export const messageIdSchema = z
  .string()
  .max(250)
  .regex(/^<[^<>\s@]+@[^<>\s@]+>$/);

export const recipientSchema = z.object({
  address: z.email().max(254),
  name: personName.optional(),
});
export type Recipient = z.input<typeof recipientSchema>;

const ticketRef = z.object({ trackingId, subject: ticketSubject, url: link });
/**
 * A file of a staff reply: attached to the mail (`url` null) or, past the size limit, linked
 * (a signed download link to the customer's attachment route). See mail-attachments.ts.
 */
const mailFile = z.object({
  id: z.number().int().positive(),
  name: headerText(255),
  size: z.number().int().min(0),
  url: link.nullable(),
});
const statusRef = z.object({ key: z.string().max(40).nullable(), name: z.string().max(100) });

/** What a staff member's security notice tells them happened to their account (ASVS 2.5.5). */
export const securityEvents = [
  'password_changed',
  'password_reset',
  'password_reset_by_admin',
  'two_factor_off',
  'two_factor_off_by_admin',
] as const;
export type SecurityEvent = (typeof securityEvents)[number];

/**
 * Each template's variables. The greeting uses the recipient's name (`to.name`); links to a
 * customer's ticket are URLs the caller builds (and signs), links to staff pages are built here.
 */
export const templateVars = {
  ticket_received: z.object({ ticket: ticketRef }),
  staff_replied: z.object({
    staffName: personName,
    ticket: ticketRef,
    replyText: z.string().max(200_000),
    files: z.array(mailFile).max(50).default([]),
  }),
  /**
   * A follower's copy of a staff reply: no link into the ticket (the customer's link is signed
   * and opens the ticket as the customer), only files that travel inside the mail.
   */
  follower_staff_replied: z.object({
    staffName: personName,
    ticket: z.object({ trackingId, subject: ticketSubject }),
    replyText: z.string().max(200_000),
    files: z
      .array(mailFile.extend({ url: z.null() }))
      .max(50)
      .default([]),
  }),
  ticket_resolved: z.object({
    ticket: ticketRef,
    canReopen: z.boolean(),
    newTicketUrl: link,
    rateUrl: link.optional(),
  }),
  ticket_auto_closed: z.object({
    ticket: ticketRef,
    reopenUntil: z.number().int().nonnegative().nullable(),
    newTicketUrl: link,
  }),
  forgot_tracking: z.object({
    tickets: z.array(z.object({ trackingId, subject: ticketSubject, status: statusRef, url: link })).max(500),
  }),
  staff_new_ticket: z.object({
    ticket: z.object({ id: z.number().int().positive(), trackingId, subject: ticketSubject }),
    customer: z.object({ name: personName, email: z.email().max(254) }),
    categoryName: z.string().max(120),
  }),
  staff_escalated: z.object({
    ticket: z.object({ id: z.number().int().positive(), trackingId, subject: ticketSubject }),
    staffName: personName,
    fromCategory: z.string().max(120),
    toCategory: z.string().max(120),
    tier: z.number().int().min(1).max(3),
    reason: z.string().max(2000),
  }),
  test_message: z.object({ requestedBy: personName }),
  staff_assigned: z.object({
    ticket: z.object({ id: z.number().int().positive(), trackingId, subject: ticketSubject }),
    assignedBy: personName,
  }),
  staff_customer_replied: z.object({
    ticket: z.object({ id: z.number().int().positive(), trackingId, subject: ticketSubject }),
    customerName: personName,
    replyText: z.string().max(200_000),
  }),
  staff_sla_warning: z.object({
    ticket: z.object({ id: z.number().int().positive(), trackingId, subject: ticketSubject }),
    kind: z.enum(['first', 'next', 'resolution']),
    atPercent: z.number().int().min(1).max(100),
    dueAt: z.number().int().nonnegative(),
  }),
  staff_invite: z.object({ invitedBy: personName, url: link, validHours: z.number().int().positive() }),
  staff_password_reset: z.object({ url: link, validMinutes: z.number().int().positive() }),
  staff_security_notice: z.object({
    event: z.enum(securityEvents),
    at: z.number().int().nonnegative(),
    byName: personName.optional(),
    resetUrl: link,
  }),
} as const;

export type MailTemplate = keyof typeof templateVars;

/**
 * Mails whose text carries a secret link (an invitation, a password reset, the signed links to
 * all of a customer's tickets): once sent, their text is removed from the outbox, so a copy of
 * the database does not hand out working links. Subject, recipient and delivery state stay.
 */
export const tokenBearingTemplates: readonly string[] = [
  'staff_invite',
  'staff_password_reset',
  'forgot_tracking',
] satisfies MailTemplate[];
export const mailTemplates = Object.keys(templateVars) as MailTemplate[];
export type TemplateVars<T extends MailTemplate> = z.input<(typeof templateVars)[T]>;
export type ParsedTemplateVars<T extends MailTemplate> = z.output<(typeof templateVars)[T]>;

/** Who gets the mail, in which language, and how it threads. */
export const addressingSchema = z.object({
  to: recipientSchema,
  /** A ticket's stored language; one Tessera does not ship falls back to English. */
  language: z
    .string()
    .max(10)
    .transform((v): LanguageCode => (isLanguage(v) ? v : 'en')),
  /** Automatic notifications carry Auto-Submitted, so auto-responders stay quiet (RFC 3834). */
  automatic: z.boolean(),
  ticketId: z.number().int().positive().optional(),
  messageId: z.number().int().positive().optional(),
  inReplyTo: messageIdSchema.optional(),
  references: z.array(messageIdSchema).max(100).optional(),
  /**
   * A staff notification answerable by e-mail: the staff member whose signed reply address
   * (src/staff-mail) becomes the Reply-To. The address itself is computed when the mail is sent,
   * never stored: whoever reads the outbox table gets no working address.
   */
  staffReplyFor: z.number().int().positive().optional(),
});
export type MailAddressing = z.input<typeof addressingSchema>;

/** One request to send a mail: a template with exactly its variables, and the addressing. */
export type MailRequest = {
  [T in MailTemplate]: { template: T; vars: TemplateVars<T> } & MailAddressing;
}[MailTemplate];

/**
 * The extra header data kept in `mail_outbox.headers` (JSON). Read back through this schema, so
 * a row edited by hand can never put a header in a mail that validation would have refused.
 */
export const storedHeadersSchema = z.object({
  toName: headerText(120).optional(),
  autoSubmitted: z.boolean().optional(),
  inReplyTo: messageIdSchema.optional(),
  references: z.array(messageIdSchema).max(100).optional(),
  /** Where the customer's answer goes, set while customers can answer by e-mail (src/mail/inbound.ts). */
  replyTo: z.email().max(254).optional(),
  /** The staff member whose signed reply address is the Reply-To, computed at send time (see addressingSchema). */
  staffReplyFor: z.number().int().positive().optional(),
  /**
   * Copies (Cc) of mails queued before followers got mails of their own
   * (follower_staff_replied); nothing sets it any more, rows already queued still go out with it.
   */
  cc: z.array(z.email().max(254)).max(20).optional(),
  /** Ids of the ticket's attachments that go with the mail as files (read from the store when sent). */
  attachmentIds: z.array(z.number().int().positive()).max(50).optional(),
});
export type StoredHeaders = z.output<typeof storedHeadersSchema>;
