import type { i18n } from 'i18next';
import { staffForCategory } from '../categories/categories.repo';
import type { Clock } from '../clock';
import type { Trx } from '../db/db';
import type { MailRequest, TemplateVars } from '../mail/mail.schema';
import { queueMail } from '../mail/mail.service';
import type { SettingsService } from '../settings/settings.service';
import type { TicketEvent, TicketSubscriber } from '../tickets/ticket-events';
import { signTicketLink } from '../tickets/ticket-link';
import type { TicketView } from '../tickets/tickets.repo';

export type NotificationDeps = { i18n: i18n; settings: SettingsService; clock: Clock; signingSecret: string };

/** The customer's link to their ticket: signed, so it opens without typing anything, and expiring. */
export async function customerTicketUrl(deps: NotificationDeps, trx: Trx, ticket: TicketView, now: number): Promise<string> {
  const settings = await deps.settings.all(trx);
  const expires = now + settings['portal.linkDays'] * 24 * 3600_000;
  return `${settings['helpdesk.url']}/helpdesk/tickets/${ticket.trackingId}?k=${signTicketLink(deps.signingSecret, ticket.trackingId, expires)}`;
}

async function notifyCustomer(deps: NotificationDeps, trx: Trx, event: TicketEvent, now: number): Promise<void> {
  const { ticket } = event;
  const to = { address: ticket.customerEmail, name: ticket.customerName };
  const base = { to, language: ticket.language, automatic: true, ticketId: ticket.id } as const;
  const ref = { trackingId: ticket.trackingId, subject: ticket.subject, url: await customerTicketUrl(deps, trx, ticket, now) };
  const settings = await deps.settings.all(trx);
  if (event.type === 'ticket.created') {
    if (event.notifyCustomer === false) return; // staff opened it for the customer and chose not to tell them
    await queueMail(trx, deps, { ...base, template: 'ticket_received', messageId: event.messageId, vars: { ticket: ref } });
  } else if (event.type === 'ticket.staff_replied') {
    await queueMail(trx, deps, { ...base, automatic: false, template: 'staff_replied', messageId: event.messageId, vars: { ticket: ref, staffName: event.staffName, replyText: event.body } });
  } else if (event.type === 'ticket.status_changed' && event.actor.type === 'staff' && !event.ticket.statusIsOpen) {
    await queueMail(trx, deps, {
      ...base,
      template: 'ticket_resolved',
      vars: { ticket: ref, canReopen: settings['portal.customerReopen'], newTicketUrl: `${settings['helpdesk.url']}/helpdesk/tickets/new` },
    });
  }
}

type StaffMail =
  | { template: 'staff_new_ticket'; vars: TemplateVars<'staff_new_ticket'> }
  | { template: 'staff_escalated'; vars: TemplateVars<'staff_escalated'> };

/** One mail to each active staff member who works the ticket's category, but not to `skip`. */
async function mailCategoryStaff(deps: NotificationDeps, trx: Trx, ticket: TicketView, mail: StaffMail, skip: number | null): Promise<void> {
  for (const staff of await staffForCategory(trx, ticket.categoryId)) {
    if (staff.id === skip) continue;
    await queueMail(trx, deps, { ...mail, to: { address: staff.email, name: staff.name }, language: staff.language, automatic: true, ticketId: ticket.id } as MailRequest);
  }
}

/** A new ticket to the staff of its category; an escalated one to the staff of the new tier. */
async function notifyStaff(deps: NotificationDeps, trx: Trx, event: TicketEvent): Promise<void> {
  const { ticket } = event;
  const ref = { id: ticket.id, trackingId: ticket.trackingId, subject: ticket.subject };
  if (event.type === 'ticket.created') {
    await mailCategoryStaff(deps, trx, ticket, { template: 'staff_new_ticket', vars: { ticket: ref, customer: { name: ticket.customerName, email: ticket.customerEmail }, categoryName: ticket.categoryName } }, null);
  } else if (event.type === 'ticket.escalated') {
    const vars = { ticket: ref, staffName: event.staffName, fromCategory: event.fromName, toCategory: ticket.categoryName, tier: ticket.tier, reason: event.reason };
    await mailCategoryStaff(deps, trx, ticket, { template: 'staff_escalated', vars }, event.actor.id);
  }
}

/**
 * Mail about ticket changes, queued in the change's own transaction: ticket received, staff
 * replied and ticket resolved to the customer; a new ticket to the staff who work its category.
 */
export function ticketNotifications(deps: NotificationDeps): TicketSubscriber {
  return async (trx, event, now) => {
    await notifyCustomer(deps, trx, event, now);
    await notifyStaff(deps, trx, event);
  };
}
