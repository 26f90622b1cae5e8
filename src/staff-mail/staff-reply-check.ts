import type { Knex } from 'knex';
import type { Settings } from '../settings/settings.schema';
import { replyAddressOf } from '../mail/inbound';
import { can } from '../staff/capabilities';
import { visibleCategoryIds } from '../staff/category-access.repo';
import { findStaffByEmail, findStaffById, toStaff, type Staff } from '../staff/staff.repo';
import { findTicketById, type TicketView } from '../tickets/tickets.repo';
import { liveTicket } from '../mail-intake/threading';
import type { IncomingMail } from '../mail-intake/parse-mail';
import {
  claimedStaffReply,
  staffReplyExpired,
  staffReplySignatureValid,
  type ClaimedStaffReply,
} from './reply-address';
import { authenticateSender, type DnsResolver } from './sender-auth';
import { replyKeyVersionOf } from './staff-mail.repo';

/** Why a mail to a staff reply address is not added to the ticket (the reason kept with the mail). */
export type StaffReplyRefusal =
  | 'staff_reply_off'
  | 'staff_reply_bad_signature'
  | 'staff_reply_expired'
  | 'staff_reply_revoked'
  | 'staff_reply_wrong_sender'
  | 'staff_reply_unauthenticated'
  | 'staff_reply_inactive'
  | 'staff_reply_no_access';

export type StaffReplyCheck =
  | { kind: 'accepted'; claim: ClaimedStaffReply; ticket: TicketView; staff: Staff }
  | { kind: 'refused'; claim: ClaimedStaffReply; reason: StaffReplyRefusal; detail: string };

export type StaffReplyCheckDeps = { db: Knex; signingSecret: string; now: number; resolver?: DnsResolver };

/**
 * Whether a mail is a staff member's answer to a notification and may be added to the ticket as
 * theirs. It must have been DELIVERED to a signed staff reply address of ours (the envelope
 * recipient, `mail.envelopeRecipients`: never To/Cc alone, which the sender writes); the setting
 * is on; the MAC verifies; the address has not expired nor been revoked (key version); From is
 * exactly that member's address AND the sender is authenticated for it (DKIM aligned with From,
 * or our receiving server's trusted Authentication-Results: sender-auth.ts); the member is
 * active, may reply and sees the ticket's category, as for a reply on the ticket page.
 *
 * Null for every other mail, and also for a mail to such an address that fails while its From is
 * no staff member's address: a customer's reply-all that copied the address, or a stale
 * forward, is threaded as ordinary mail. A refusal (kept aside, audited) is for mail that claims
 * to come from staff.
 */
export async function checkStaffReply(
  deps: StaffReplyCheckDeps,
  raw: Buffer,
  mail: IncomingMail,
  settings: Settings,
): Promise<StaffReplyCheck | null> {
  const claim = claimedStaffReply(mail.envelopeRecipients, [replyAddressOf(settings)]);
  if (!claim) return null;
  const from = mail.from?.address ?? '';
  const refuse = (reason: StaffReplyRefusal, detail: string): StaffReplyCheck => ({
    kind: 'refused',
    claim,
    reason,
    detail: `${detail} (${claim.address})`,
  });
  // Addresses are stored lower-cased and the parser lower-cases From: exact comparisons here, whatever the database's collation.
  const fromStaff = await findStaffByEmail(deps.db, from);
  const refuseIfStaff = (reason: StaffReplyRefusal, detail: string) =>
    fromStaff?.email.toLowerCase() === from ? refuse(reason, detail) : null;
  if (!settings['mail.staffReplies']) return refuseIfStaff('staff_reply_off', 'staff answers by e-mail are turned off');
  if (!staffReplySignatureValid(deps.signingSecret, claim))
    return refuseIfStaff('staff_reply_bad_signature', 'the reply address is not one the help desk signed');
  if (staffReplyExpired(claim, deps.now))
    return refuseIfStaff(
      'staff_reply_expired',
      `the reply address was issued on day ${claim.day} and is no longer valid`,
    );
  const row = await findStaffById(deps.db, claim.staffId);
  if (!row || row.email.toLowerCase() !== from)
    return refuseIfStaff(
      'staff_reply_wrong_sender',
      `from ${from || '?'}, not the staff member the address belongs to`,
    );
  if (claim.version !== (await replyKeyVersionOf(deps.db, claim.staffId)))
    return refuse('staff_reply_revoked', `the reply addresses of staff member #${row.id} were revoked`);
  const auth = await authenticateSender(raw, mail, claim.address, {
    trustedAuthServId: settings['mail.trustedAuthServId'],
    resolver: deps.resolver,
  });
  if (!auth.pass)
    return refuse('staff_reply_unauthenticated', `the sender is not authenticated for ${from}: ${auth.detail}`);
  const staff = toStaff(row);
  if (!staff.isActive) return refuse('staff_reply_inactive', `staff member #${staff.id} is deactivated`);
  const ticket = await liveTicket(deps.db, await findTicketById(deps.db, claim.ticketId));
  const visible = ticket ? await visibleCategoryIds(deps.db, staff) : [];
  if (!ticket || !can(staff, 'tickets.reply') || (visible !== 'all' && !visible.includes(ticket.categoryId))) {
    return refuse('staff_reply_no_access', `staff member #${staff.id} may not reply to ticket #${claim.ticketId}`);
  }
  return { kind: 'accepted', claim, ticket, staff };
}
