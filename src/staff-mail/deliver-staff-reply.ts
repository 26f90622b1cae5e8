import crypto from 'node:crypto';
import type { Knex } from 'knex';
import type { CheckedFile } from '../attachments/file-check';
import { recordAudit } from '../audit/audit.repo';
import { withTransaction } from '../db/transaction';
import { setMessageEmailId } from '../mail-intake/thread.repo';
import type { Staff } from '../staff/staff.repo';
import { addStaffReply, type TicketDeps } from '../tickets/tickets.service';
import type { TicketView } from '../tickets/tickets.repo';
import type { ClaimedStaffReply } from './reply-address';
import { recordReplyDigest } from './staff-mail.repo';

/** How long the same answer to the same ticket by the same person is not posted again. */
export const staffReplyReplayWindowMs = 10 * 60_000;

/**
 * What identifies an answer for the replay check: the ticket, the staff member, the subject and
 * text with their white space collapsed (a re-sent copy may be re-wrapped or re-encoded) and the
 * sha256 of each attached file. A second genuine "see attached" with another file, or under
 * another subject, is another answer.
 */
export function staffReplyDigest(
  ticketId: number,
  staffId: number,
  mail: { subject: string; text: string; files: { content: Buffer }[] },
): string {
  const collapse = (s: string) => s.replace(/\s+/g, ' ').trim();
  const files = mail.files.map((f) => crypto.createHash('sha256').update(f.content).digest('hex')).sort();
  return crypto
    .createHash('sha256')
    .update(JSON.stringify([ticketId, staffId, collapse(mail.subject), collapse(mail.text), files]))
    .digest('hex');
}

/**
 * Stores a staff member's answer by e-mail as their reply, in ONE transaction with the mail's
 * inbound record (as deliverMail does for customers): the ticket service's own events and
 * notifications run inside it, so the customer gets the usual "staff replied" mail.
 */
export async function deliverStaffReply(
  deps: TicketDeps,
  input: {
    ticket: TicketView;
    staff: Staff;
    body: string;
    files: CheckedFile[];
    emailMessageId: string | null;
    digest: string;
    /** Staff retried a mail kept aside as a replay: posted even though the same answer is recent. */
    replayAccepted?: boolean;
  },
  record: (trx: Knex.Transaction) => Promise<number>,
  recorded: (
    trx: Knex.Transaction,
    inboundId: number,
    outcome: { ticketId: number; messageId: number; reason: string | null },
  ) => Promise<void>,
): Promise<{ inboundId: number; ticketId: number }> {
  return withTransaction(deps.db, async (trx) => {
    const inboundId = await record(trx);
    const now = deps.clock.now();
    await recordReplyDigest(trx, input.digest, now, now - staffReplyReplayWindowMs, input.replayAccepted ?? false);
    const messageId = await addStaffReply({ ...deps, db: trx }, input.ticket, {
      staff: input.staff,
      body: input.body,
      files: input.files,
    });
    if (input.emailMessageId) await setMessageEmailId(trx, messageId, input.emailMessageId);
    await recorded(trx, inboundId, { ticketId: input.ticket.id, messageId, reason: 'staff_reply' });
    return { inboundId, ticketId: input.ticket.id };
  });
}

/** The audit row of a refused staff answer by e-mail: who it claimed to be, for which ticket, and why not. */
export async function auditStaffReplyRefusal(
  trx: Knex,
  claim: ClaimedStaffReply,
  reason: string,
  from: string,
  now: number,
): Promise<void> {
  await recordAudit(
    trx,
    {
      actor: null,
      action: 'mail_staff_reply_refused',
      target: { type: 'ticket', id: claim.ticketId },
      details: { reason, from: from.slice(0, 254), staffId: claim.staffId },
    },
    now,
  );
}
