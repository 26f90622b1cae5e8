import type { Knex } from 'knex';
import type { CheckedFile } from '../attachments/file-check';
import { recordAudit } from '../audit/audit.repo';
import { withTransaction } from '../db/transaction';
import { setMessageEmailId } from '../mail-intake/thread.repo';
import type { Staff } from '../staff/staff.repo';
import { addStaffReply, type TicketDeps } from '../tickets/tickets.service';
import type { TicketView } from '../tickets/tickets.repo';
import type { StaffReplyCheck } from './staff-reply-check';

/**
 * Stores a staff member's answer by e-mail as their reply, in ONE transaction with the mail's
 * inbound record (as deliverMail does for customers): the ticket service's own events and
 * notifications run inside it, so the customer gets the usual "staff replied" mail.
 */
export async function deliverStaffReply(
  deps: TicketDeps,
  input: { ticket: TicketView; staff: Staff; body: string; files: CheckedFile[]; emailMessageId: string | null },
  record: (trx: Knex.Transaction) => Promise<number>,
  recorded: (trx: Knex.Transaction, inboundId: number, outcome: { ticketId: number; messageId: number; reason: string | null }) => Promise<void>,
): Promise<{ inboundId: number; ticketId: number }> {
  return withTransaction(deps.db, async (trx) => {
    const inboundId = await record(trx);
    const messageId = await addStaffReply({ ...deps, db: trx }, input.ticket, { staff: input.staff, body: input.body, files: input.files });
    if (input.emailMessageId) await setMessageEmailId(trx, messageId, input.emailMessageId);
    await recorded(trx, inboundId, { ticketId: input.ticket.id, messageId, reason: 'staff_reply' });
    return { inboundId, ticketId: input.ticket.id };
  });
}

/** The audit row of a refused staff answer by e-mail: who it claimed to be, for which ticket, and why not. */
export async function auditStaffReplyRefusal(trx: Knex, refusal: Extract<StaffReplyCheck, { kind: 'refused' }>, from: string, now: number): Promise<void> {
  await recordAudit(trx, {
    actor: null,
    action: 'mail_staff_reply_refused',
    target: { type: 'ticket', id: refusal.claim.ticketId },
    details: { reason: refusal.reason, from: from.slice(0, 254), staffId: refusal.claim.staffId },
  }, now);
}
