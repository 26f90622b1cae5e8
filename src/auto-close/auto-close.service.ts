import { withTransaction } from '../db/transaction';
import { queueMail } from '../mail/mail.service';
import { customerTicketUrl, type NotificationDeps } from '../notifications/ticket-notifications';
import type { TicketEvents } from '../tickets/ticket-events';
import { insertTicketEvent } from '../tickets/ticket-events.repo';
import { findStatusByKey } from '../tickets/statuses.repo';
import { findTicketById } from '../tickets/tickets.repo';
import type { Db } from '../db/db';
import { autoCloseFacts, awaitingStatusKeys, claimAutoClose, closeIfStill } from './auto-close.repo';
import { DAY } from '../clock';

export type AutoCloseDeps = NotificationDeps & { db: Db; events: TicketEvents };

const system = { type: 'system' as const, id: null };
const awaiting = new Set<string>(awaitingStatusKeys);

/**
 * Closes one ticket whose time has come, once: the schedule row is taken by a conditional delete
 * (a second process finds it gone), the status changes only if it is still the one read (a
 * customer's reply at the same moment wins), and the customer's mail is queued in the same
 * transaction, in their language, saying until when an answer reopens the ticket.
 */
export async function autoCloseTicket(
  deps: AutoCloseDeps,
  due: { ticketId: number; closeAt: number },
  now: number,
): Promise<boolean> {
  return withTransaction(deps.db, async (trx) => {
    if (!(await claimAutoClose(trx, due.ticketId, due.closeAt))) return false;
    const facts = await autoCloseFacts(trx, due.ticketId);
    if (!facts || facts.merged || !awaiting.has(facts.statusKey)) return false;
    const before = (await findTicketById(trx, due.ticketId))!;
    const closed = (await findStatusByKey(trx, 'closed'))!;
    const resolvedAt = before.resolvedAt ?? now;
    if (!(await closeIfStill(trx, due.ticketId, facts.statusId, Number(closed.id), before.resolvedAt, now)))
      return false;
    const ticket = (await findTicketById(trx, due.ticketId))!;
    await deps.events.publish(
      trx,
      { type: 'ticket.status_changed', ticket, from: before.statusKey, to: 'closed', actor: system },
      now,
    );
    const settings = await deps.settings.all(trx);
    await insertTicketEvent(trx, ticket.id, 'ticket.auto_closed', system, { from: before.statusKey }, now);
    const reopenDays = settings['tickets.reopenDays'];
    await queueMail(trx, deps, {
      template: 'ticket_auto_closed',
      to: { address: ticket.customerEmail, name: ticket.customerName },
      language: ticket.language,
      automatic: true,
      ticketId: ticket.id,
      vars: {
        ticket: {
          trackingId: ticket.trackingId,
          subject: ticket.subject,
          url: await customerTicketUrl(deps, trx, ticket, now),
        },
        reopenUntil: reopenDays > 0 ? resolvedAt + reopenDays * DAY : null,
        newTicketUrl: `${settings['helpdesk.url']}/helpdesk/tickets/new`,
      },
    });
    return true;
  });
}
