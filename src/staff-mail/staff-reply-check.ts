import type { Knex } from 'knex';
import type { Settings } from '../settings/settings.schema';
import { can } from '../staff/capabilities';
import { visibleCategoryIds } from '../staff/category-access.repo';
import { findStaffById, toStaff, type Staff } from '../staff/staff.repo';
import { findTicketById, type TicketView } from '../tickets/tickets.repo';
import { liveTicket } from '../mail-intake/threading';
import type { IncomingMail } from '../mail-intake/parse-mail';
import { claimedStaffReply, staffReplySignatureValid, type ClaimedStaffReply } from './reply-address';

/** Why a mail to a staff reply address is not added to the ticket (the reason kept with the mail). */
export type StaffReplyRefusal = 'staff_reply_off' | 'staff_reply_bad_signature' | 'staff_reply_wrong_sender' | 'staff_reply_inactive' | 'staff_reply_no_access';

export type StaffReplyCheck =
  | { kind: 'accepted'; claim: ClaimedStaffReply; ticket: TicketView; staff: Staff }
  | { kind: 'refused'; claim: ClaimedStaffReply; reason: StaffReplyRefusal; detail: string };

/**
 * Whether a mail is a staff member's answer to a notification (it went to a signed staff reply
 * address, see reply-address.ts) and may be added to the ticket as theirs: the setting is on,
 * the MAC verifies, From is exactly that member's address, the member is active, may reply and
 * sees the ticket's category, as for a reply on the ticket page. Null for every other mail.
 * A refused one never becomes a customer's ticket: whoever wrote to such an address was
 * answering (or imitating) a staff notification.
 */
export async function checkStaffReply(db: Knex, signingSecret: string, mail: IncomingMail, settings: Settings): Promise<StaffReplyCheck | null> {
  const claim = claimedStaffReply(mail.recipients);
  if (!claim) return null;
  const refuse = (reason: StaffReplyRefusal, detail: string): StaffReplyCheck => ({ kind: 'refused', claim, reason, detail: `${detail} (${claim.address})` });
  if (!settings['mail.staffReplies']) return refuse('staff_reply_off', 'staff answers by e-mail are turned off');
  if (!staffReplySignatureValid(signingSecret, claim)) return refuse('staff_reply_bad_signature', 'the reply address is not one the help desk signed');
  const row = await findStaffById(db, claim.staffId);
  // Addresses are stored lower-cased and the parser lower-cases From: an exact comparison here, whatever the database's collation.
  if (!row || row.email.toLowerCase() !== mail.from?.address) return refuse('staff_reply_wrong_sender', `from ${mail.from?.address ?? '?'}, not the staff member the address belongs to`);
  const staff = toStaff(row);
  if (!staff.isActive) return refuse('staff_reply_inactive', `staff member #${staff.id} is deactivated`);
  const ticket = await liveTicket(db, await findTicketById(db, claim.ticketId));
  const visible = ticket ? await visibleCategoryIds(db, staff) : [];
  if (!ticket || !can(staff, 'tickets.reply') || (visible !== 'all' && !visible.includes(ticket.categoryId))) {
    return refuse('staff_reply_no_access', `staff member #${staff.id} may not reply to ticket #${claim.ticketId}`);
  }
  return { kind: 'accepted', claim, ticket, staff };
}
