import type { Trx } from '../db/db';
import type { MailRequest } from '../mail/mail.schema';
import { queueMails } from '../mail/mail.service';
import type { TicketEvent, TicketSubscriber } from '../tickets/ticket-events';
import type { NotificationDeps } from './ticket-notifications';
import {
  categoryRecipients,
  messageBody,
  recipientIfWanted,
  staffName,
  type StaffRecipient,
} from './staff-recipients.repo';

type StaffMail = Pick<MailRequest, 'template' | 'vars'> & {
  template: 'staff_new_ticket' | 'staff_escalated' | 'staff_assigned' | 'staff_customer_replied';
};

async function mailTo(
  deps: NotificationDeps,
  trx: Trx,
  ticketId: number,
  recipients: StaffRecipient[],
  mail: StaffMail,
  actorId: number | null,
): Promise<void> {
  const settings = await deps.settings.all(trx);
  // Composed with the settings and the admin's wording read once, stored by one insert (a new
  // ticket mails every colleague of its category: a statement or two, not two per person).
  const requests = recipients
    .filter((staff) => staff.id !== actorId) // nobody is told about what they did themself
    .map((staff) => {
      // While staff may answer by e-mail, each notice's answer goes to an address signed for this ticket and this person (made when sent).
      const staffReplyFor = settings['mail.staffReplies'] ? staff.id : undefined;
      return {
        ...mail,
        to: { address: staff.email, name: staff.name },
        language: staff.language,
        automatic: true,
        ticketId,
        ...(staffReplyFor ? { staffReplyFor } : {}),
      } as MailRequest;
    });
  await queueMails(trx, deps, requests);
}

/**
 * Mail to staff about tickets, each kind behind its own switch in the recipient's profile:
 * a new ticket in their categories, a ticket escalated to their tier, a ticket assigned to
 * them by someone else, a customer's reply on a ticket they own. Never to the person who acted,
 * never to deactivated accounts; category-wide mail skips staff who are away. Queued in the
 * event's transaction, in each recipient's language.
 */
export function staffNotifications(deps: NotificationDeps): TicketSubscriber {
  return async (trx, event: TicketEvent) => {
    const { ticket } = event;
    const ref = { id: ticket.id, trackingId: ticket.trackingId, subject: ticket.subject };
    const actorId = event.actor.type === 'staff' ? event.actor.id : null;
    switch (event.type) {
      case 'ticket.created': {
        const vars = {
          ticket: ref,
          customer: { name: ticket.customerName, email: ticket.customerEmail },
          categoryName: ticket.categoryName,
        };
        return mailTo(
          deps,
          trx,
          ticket.id,
          await categoryRecipients(trx, ticket.categoryId, 'notify_new_ticket'),
          { template: 'staff_new_ticket', vars },
          actorId,
        );
      }
      case 'ticket.escalated': {
        const vars = {
          ticket: ref,
          staffName: event.staffName,
          fromCategory: event.fromName,
          toCategory: ticket.categoryName,
          tier: ticket.tier,
          reason: event.reason,
        };
        return mailTo(
          deps,
          trx,
          ticket.id,
          await categoryRecipients(trx, ticket.categoryId, 'notify_escalated'),
          { template: 'staff_escalated', vars },
          actorId,
        );
      }
      case 'ticket.assigned': {
        if (event.to === null || event.to === actorId) return;
        const owner = await recipientIfWanted(trx, event.to, ticket.categoryId, 'notify_assigned');
        if (!owner) return;
        const assignedBy =
          (actorId !== null ? await staffName(trx, actorId) : null) ?? (await deps.settings.all(trx))['helpdesk.name'];
        return mailTo(
          deps,
          trx,
          ticket.id,
          [owner],
          { template: 'staff_assigned', vars: { ticket: ref, assignedBy } },
          actorId,
        );
      }
      case 'ticket.customer_replied': {
        if (ticket.ownerId === null) return;
        const owner = await recipientIfWanted(trx, ticket.ownerId, ticket.categoryId, 'notify_customer_reply');
        if (!owner) return;
        const vars = {
          ticket: ref,
          customerName: ticket.customerName || ticket.customerEmail,
          replyText: await messageBody(trx, ticket.id, event.messageId),
        };
        return mailTo(deps, trx, ticket.id, [owner], { template: 'staff_customer_replied', vars }, actorId);
      }
      default:
        return;
    }
  };
}
