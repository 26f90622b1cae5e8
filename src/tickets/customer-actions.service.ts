import type { CheckedFile } from '../attachments/file-check';
import { withTransaction } from '../db/transaction';
import { clientKey } from '../security/client-key';
import { chargeCustomerSend } from '../security/reply-quota';
import type { Settings } from '../settings/settings.schema';
import { earlierSendOf } from './message-once';
import { ConflictError, NotFoundError } from '../errors';
import { findMessageOfTicket, setMessageRating } from './messages.repo';
import { findStatusByKey } from './statuses.repo';
import { addCustomerReply, type TicketDeps } from './tickets.service';
import { findTicketById, updateTicket, type TicketView } from './tickets.repo';

/** The customer marks the ticket resolved, or reopens it; each recorded as a status change. */
export async function setStatusByCustomer(
  deps: Pick<TicketDeps, 'db' | 'clock' | 'events'>,
  ticket: TicketView,
  action: 'resolve' | 'reopen',
): Promise<void> {
  if (action === 'resolve' && !ticket.statusIsOpen)
    throw new ConflictError('already_resolved', 'This ticket is already resolved.');
  if (action === 'reopen' && ticket.statusIsOpen)
    throw new ConflictError('already_open', 'This ticket is already open.');
  await withTransaction(deps.db, async (trx) => {
    const now = deps.clock.now();
    // Two tabs pressing the same button: the second finds the change made and does nothing.
    const current = (await findTicketById(trx, ticket.id))!;
    if (current.statusIsOpen !== ticket.statusIsOpen) return;
    const target = (await findStatusByKey(trx, action === 'resolve' ? 'resolved' : 'open'))!;
    await updateTicket(trx, ticket.id, {
      status_id: target.id,
      updated_at: now,
      resolved_at: action === 'resolve' ? now : null,
      resolved_by: action === 'resolve' ? 'customer' : null,
      resolved_by_staff_id: null,
    });
    const view = (await findTicketById(trx, ticket.id))!;
    await deps.events.publish(
      trx,
      {
        type: 'ticket.status_changed',
        ticket: view,
        from: ticket.statusKey,
        to: target.key,
        actor: { type: 'customer', id: ticket.customerId },
      },
      now,
    );
  });
}

/** The customer rates a staff reply helpful (1) or not (-1); they may change their mind. */
export async function rateStaffReply(
  deps: Pick<TicketDeps, 'db' | 'clock' | 'events'>,
  ticket: TicketView,
  messageId: number,
  rating: 1 | -1,
): Promise<void> {
  const message = await findMessageOfTicket(deps.db, ticket.id, messageId);
  if (message?.kind !== 'staff') throw new NotFoundError();
  if (message.rating === rating) return;
  await withTransaction(deps.db, async (trx) => {
    const now = deps.clock.now();
    await setMessageRating(trx, messageId, rating);
    await deps.events.publish(
      trx,
      { type: 'message.rated', ticket, messageId, rating, actor: { type: 'customer', id: ticket.customerId } },
      now,
    );
  });
}

/**
 * A customer's reply from the ticket page: a second send of the same form answers like the
 * first (and is not counted again); anything else is counted against the hourly quotas of the
 * address and the ticket (QuotaExceededError) before it is stored.
 */
export async function replyAsCustomer(
  deps: TicketDeps & { settings: Settings },
  ticket: TicketView,
  input: { body: string; files: CheckedFile[]; ip: string | null; submissionKey: string | null },
): Promise<{ messageId: number; created: boolean }> {
  const earlier = await earlierSendOf(deps.db, {
    ticketId: ticket.id,
    kind: 'customer',
    staffId: null,
    customerId: ticket.customerId,
    submissionKey: input.submissionKey,
  });
  if (earlier !== undefined) return { messageId: earlier, created: false };
  await chargeCustomerSend(
    deps.db,
    deps.settings,
    { client: clientKey(input.ip ?? undefined), ticketId: ticket.id },
    { reply: true, files: input.files },
    deps.clock.now(),
  );
  return addCustomerReply(deps, ticket, input);
}
