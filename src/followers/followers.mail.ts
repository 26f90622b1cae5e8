import { listMessageAttachments } from '../attachments/attachments.repo';
import { filesForMail } from '../mail/mail-attachments';
import { queueMail, type QueueMailDeps } from '../mail/mail.service';
import type { TicketSubscriber } from '../tickets/ticket-events';
import { listFollowers } from './followers.repo';

/**
 * Each follower's own mail about a staff reply (`follower_staff_replied`), queued in the reply's
 * transaction beside the customer's. Never a Cc of the customer's mail: that one carries the
 * customer's signed ticket link, which opens and answers the ticket as the customer. A follower's
 * mail has no link into the ticket; files go along only when they travel inside the mail (the
 * customer's download links for bigger ones are signed like the ticket link). The follower
 * answers by e-mail while inbound replies are on (the mail says which).
 */
export function followerNotifications(deps: QueueMailDeps): TicketSubscriber {
  return async (trx, event) => {
    if (event.type !== 'ticket.staff_replied') return;
    const followers = await listFollowers(trx, event.ticket.id);
    if (!followers.length) return;
    const files = filesForMail(await listMessageAttachments(trx, event.messageId), () => '')
      .filter((f) => f.url === null)
      .map((f) => ({ ...f, url: null }));
    const { ticket } = event;
    for (const follower of followers) {
      await queueMail(trx, deps, {
        template: 'follower_staff_replied',
        to: { address: follower.email },
        language: ticket.language,
        automatic: false,
        ticketId: ticket.id,
        messageId: event.messageId,
        vars: {
          staffName: event.staffName,
          ticket: { trackingId: ticket.trackingId, subject: ticket.subject },
          replyText: event.body,
          files,
        },
      });
    }
  };
}
