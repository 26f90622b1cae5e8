import type { i18n } from 'i18next';
import type { Clock } from '../clock';
import type { Trx } from '../db/db';
import { listMessageAttachments } from '../attachments/attachments.repo';
import { filesForMail } from '../mail/mail-attachments';
import { queueMail } from '../mail/mail.service';
import { threadHeaders } from '../mail/threading';
import type { SettingsService } from '../settings/settings.service';
import type { TicketEvent, TicketSubscriber } from '../tickets/ticket-events';
import { signTicketLink } from '../tickets/ticket-link';
import type { TicketView } from '../tickets/tickets.repo';

export type NotificationDeps = { i18n: i18n; settings: SettingsService; clock: Clock; signingSecret: string };

/** The customer's link to their ticket: signed, so it opens without typing anything, and expiring. */
export async function customerTicketUrl(
  deps: NotificationDeps,
  trx: Trx,
  ticket: TicketView,
  now: number,
): Promise<string> {
  return customerTicketPath(deps, trx, ticket, now, '');
}

/** A signed customer address under the ticket (`/attachments/7` for a file), good as long as the ticket link. */
async function customerTicketPath(
  deps: NotificationDeps,
  trx: Trx,
  ticket: TicketView,
  now: number,
  below: string,
): Promise<string> {
  const settings = await deps.settings.all(trx);
  const expires = now + settings['portal.linkDays'] * 24 * 3600_000;
  return `${settings['helpdesk.url']}/helpdesk/tickets/${ticket.trackingId}${below}?k=${signTicketLink(deps.signingSecret, ticket.trackingId, expires)}`;
}

/** A reply's files for its mail: attached up to the limit, linked past it (see mail-attachments.ts). */
async function replyFiles(deps: NotificationDeps, trx: Trx, ticket: TicketView, messageId: number, now: number) {
  const files = await listMessageAttachments(trx, messageId);
  const link = files.length ? await customerTicketPath(deps, trx, ticket, now, '/attachments/ID') : '';
  return filesForMail(files, (id) => link.replace('/attachments/ID?', `/attachments/${id}?`));
}

async function notifyCustomer(deps: NotificationDeps, trx: Trx, event: TicketEvent, now: number): Promise<void> {
  const { ticket } = event;
  const to = { address: ticket.customerEmail, name: ticket.customerName };
  const base = { to, language: ticket.language, automatic: true, ticketId: ticket.id } as const;
  const ref = {
    trackingId: ticket.trackingId,
    subject: ticket.subject,
    url: await customerTicketUrl(deps, trx, ticket, now),
  };
  const settings = await deps.settings.all(trx);
  if (event.type === 'ticket.created') {
    if (event.notifyCustomer === false) return; // staff opened it for the customer and chose not to tell them
    await queueMail(trx, deps, {
      ...base,
      template: 'ticket_received',
      messageId: event.messageId,
      vars: { ticket: ref },
      // The first mail of a new ticket: its thread is the customer's own mail, if it came by mail.
      ...threadHeaders({ root: event.emailMessageId ?? null, recent: [] }),
    });
  } else if (event.type === 'ticket.staff_replied') {
    // Followers get mails of their own (src/followers/followers.mail.ts), never a copy of this one.
    await queueMail(trx, deps, {
      ...base,
      automatic: false,
      template: 'staff_replied',
      messageId: event.messageId,
      vars: {
        ticket: ref,
        staffName: event.staffName,
        replyText: event.body,
        files: await replyFiles(deps, trx, ticket, event.messageId, now),
      },
    });
  } else if (event.type === 'ticket.status_changed' && event.actor.type === 'staff' && !event.ticket.statusIsOpen) {
    await queueMail(trx, deps, {
      ...base,
      template: 'ticket_resolved',
      vars: {
        ticket: ref,
        canReopen: settings['portal.customerReopen'],
        newTicketUrl: `${settings['helpdesk.url']}/helpdesk/tickets/new`,
        rateUrl: ref.url,
      },
    });
  }
}

/**
 * Mail to the customer about ticket changes, queued in the change's own transaction: ticket
 * received, staff replied, ticket resolved. Mail to staff is src/notifications/staff-notifications.ts.
 */
export function ticketNotifications(deps: NotificationDeps): TicketSubscriber {
  return async (trx, event, now) => {
    await notifyCustomer(deps, trx, event, now);
  };
}
