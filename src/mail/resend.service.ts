import type { Clock } from '../clock';
import type { Db } from '../db/db';
import { withTransaction } from '../db/transaction';
import { ConflictError, NotFoundError } from '../errors';
import { requireCapability, workableTicketForStaff, type CapableStaff } from '../tickets/staff-actions.service';
import { insertTicketEvent } from '../tickets/ticket-events.repo';
import { ticketMailTemplates } from './delivery-state';
import { findMailById, requeueFailedMail } from './outbox.repo';

/**
 * "Send again" beside a failed or bounced customer mail: whoever may reply on the ticket may send it
 * again. The same row is queued again, so it goes out with the same Message-ID and text; the
 * ticket's history records who did it. A mail of another ticket, or not a customer mail of this
 * one, is not found; one that is not failed (already queued again, or sent) is a conflict.
 */
export async function resendFailedMail(
  deps: { db: Db; clock: Clock },
  staff: CapableStaff,
  ticketId: number,
  mailId: number,
): Promise<void> {
  const ticket = await workableTicketForStaff(deps.db, staff, ticketId);
  requireCapability(staff, 'tickets.reply');
  if (!Number.isSafeInteger(mailId)) throw new NotFoundError();
  await withTransaction(deps.db, async (trx) => {
    const mail = await findMailById(trx, mailId);
    if (!mail || mail.ticketId !== ticket.id || !ticketMailTemplates.includes(mail.template)) throw new NotFoundError();
    const now = deps.clock.now();
    if (!(await requeueFailedMail(trx, mailId, now)))
      throw new ConflictError(
        'mail_not_failed',
        'This mail has neither failed nor bounced: it is queued or sent already.',
      );
    await insertTicketEvent(
      trx,
      ticket.id,
      'mail.resent',
      { type: 'staff', id: staff.id },
      { mailId, address: mail.toAddress },
      now,
    );
  });
}
