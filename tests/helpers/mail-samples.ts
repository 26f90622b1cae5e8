import type { MailRequest, MailTemplate } from '../../src/mail/mail.schema';

const ticket = (subject: string) => ({
  trackingId: 'ABC234DEFG',
  subject,
  url: 'https://help.acme.test/helpdesk/tickets/ABC234DEFG?token=t0k',
});

/**
 * A valid request for every template, with `text` put wherever the template shows text that a
 * customer or staff member typed (names, subjects, messages, categories).
 */
export function sampleRequest(
  template: MailTemplate,
  opts: { text?: string; language?: string; to?: { address: string; name?: string } } = {},
): MailRequest {
  const text = opts.text ?? 'Printer on fire';
  const base = {
    to: opts.to ?? { address: 'eve@example.com', name: `Eve ${text}` },
    language: opts.language ?? 'en',
    automatic: template !== 'staff_replied' && template !== 'follower_staff_replied' && template !== 'test_message',
  };
  switch (template) {
    case 'ticket_received':
      return { ...base, template, vars: { ticket: ticket(text) } };
    case 'staff_replied':
      return {
        ...base,
        template,
        vars: {
          staffName: `Sam ${text}`,
          ticket: ticket(text),
          replyText: `First line ${text}\nsecond line\n\nNew paragraph`,
        },
      };
    case 'follower_staff_replied':
      return {
        ...base,
        template,
        vars: {
          staffName: `Sam ${text}`,
          ticket: { trackingId: 'ABC234DEFG', subject: text },
          replyText: `First line ${text}\nsecond line\n\nNew paragraph`,
        },
      };
    case 'ticket_resolved':
      return {
        ...base,
        template,
        vars: { ticket: ticket(text), canReopen: true, newTicketUrl: 'https://help.acme.test/helpdesk/tickets/new' },
      };
    case 'ticket_auto_closed':
      return {
        ...base,
        template,
        vars: {
          ticket: ticket(text),
          reopenUntil: Date.UTC(2026, 11, 31),
          newTicketUrl: 'https://help.acme.test/helpdesk/tickets/new',
        },
      };
    case 'forgot_tracking':
      return {
        ...base,
        template,
        vars: {
          tickets: [
            {
              trackingId: 'ABC234DEFG',
              subject: text,
              status: { key: 'open', name: 'Open' },
              url: 'https://help.acme.test/helpdesk/tickets/ABC234DEFG?token=a',
            },
            {
              trackingId: 'XYZ234DEFG',
              subject: 'Second',
              status: { key: null, name: `Custom ${text}` },
              url: 'https://help.acme.test/helpdesk/tickets/XYZ234DEFG?token=b',
            },
          ],
        },
      };
    case 'staff_new_ticket':
      return {
        ...base,
        template,
        vars: {
          ticket: { id: 42, trackingId: 'ABC234DEFG', subject: text },
          customer: { name: `Eve ${text}`, email: 'eve@example.com' },
          categoryName: `Billing ${text}`,
        },
      };
    case 'staff_escalated':
      return {
        ...base,
        template,
        vars: {
          ticket: { id: 42, trackingId: 'ABC234DEFG', subject: text },
          staffName: `Ada ${text}`,
          fromCategory: `General ${text}`,
          toCategory: `Experts ${text}`,
          tier: 2,
          reason: `Needs a specialist ${text}`,
        },
      };
    case 'test_message':
      return { ...base, template, vars: { requestedBy: `Ada ${text}` } };
    case 'staff_invite':
      return {
        ...base,
        template,
        vars: {
          invitedBy: `Ada ${text}`,
          url: 'https://help.acme.test/admin/invite/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
          validHours: 72,
        },
      };
    case 'staff_assigned':
      return {
        ...base,
        template,
        vars: { ticket: { id: 42, trackingId: 'ABC234DEFG', subject: text }, assignedBy: `Ada ${text}` },
      };
    case 'staff_customer_replied':
      return {
        ...base,
        template,
        vars: {
          ticket: { id: 42, trackingId: 'ABC234DEFG', subject: text },
          customerName: `Eve ${text}`,
          replyText: `Still broken ${text}`,
        },
      };
    case 'staff_sla_warning':
      return {
        ...base,
        template,
        vars: {
          ticket: { id: 42, trackingId: 'ABC234DEFG', subject: text },
          kind: 'first',
          atPercent: 80,
          dueAt: Date.UTC(2026, 11, 7, 9),
        },
      };
    case 'staff_password_reset':
      return {
        ...base,
        template,
        vars: {
          url: 'https://help.acme.test/admin/reset/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
          validMinutes: 60,
        },
      };
    case 'staff_security_notice':
      return {
        ...base,
        template,
        vars: {
          event: 'password_reset_by_admin',
          at: 0,
          byName: `Ada ${text}`,
          resetUrl: 'https://help.acme.test/admin/forgot-password',
        },
      };
  }
}

export const ticketTemplates: MailTemplate[] = [
  'ticket_received',
  'staff_replied',
  'follower_staff_replied',
  'ticket_resolved',
  'staff_new_ticket',
  'staff_escalated',
  'staff_assigned',
  'staff_customer_replied',
  'staff_sla_warning',
  'ticket_auto_closed',
];
