import crypto from 'node:crypto';

/**
 * The signed per-ticket address a staff member answers a notification at: the help desk's
 * reply address with a plus tag, `help+t<ticket>.s<staff>.<mac>@example.com`. The MAC
 * (HMAC-SHA256 under the signing secret, 96 bits, lower-case hex because mail servers may
 * fold the case of the local part) binds the ticket to ONE staff member: another member's
 * address, or one made up, does not verify. The mail server must deliver plus-addressed mail
 * to the reply mailbox (plus-addressing or a catch-all; see README).
 */
const macHexLength = 24;
const tagPattern = /^(.+)\+t(\d{1,12})\.s(\d{1,12})\.([0-9a-f]{24})@([^@\s]+)$/;

function macOf(secret: string, ticketId: number, staffId: number): Buffer {
  return crypto.createHmac('sha256', secret).update(`staff-reply:${ticketId}:${staffId}`).digest().subarray(0, macHexLength / 2);
}

/** The Reply-To of a staff notification about `ticketId` sent to `staffId`. */
export function staffReplyAddress(secret: string, replyAddress: string, ticketId: number, staffId: number): string {
  const at = replyAddress.lastIndexOf('@');
  const local = replyAddress.slice(0, at).split('+')[0];
  return `${local}+t${ticketId}.s${staffId}.${macOf(secret, ticketId, staffId).toString('hex')}${replyAddress.slice(at)}`.toLowerCase();
}

/** What a recipient address claims, before its MAC is checked. */
export type ClaimedStaffReply = { address: string; ticketId: number; staffId: number; mac: string };

/** The first recipient that has the shape of a staff reply address, or null (most mail). */
export function claimedStaffReply(recipients: readonly string[]): ClaimedStaffReply | null {
  for (const address of recipients) {
    if (!address.includes('+t')) continue;
    const m = tagPattern.exec(address.toLowerCase());
    if (m) return { address: address.toLowerCase(), ticketId: Number(m[2]), staffId: Number(m[3]), mac: m[4]! };
  }
  return null;
}

/** Whether the address's MAC is the one we would write for that ticket and staff member (constant time). */
export function staffReplySignatureValid(secret: string, claim: ClaimedStaffReply): boolean {
  const expected = macOf(secret, claim.ticketId, claim.staffId);
  const given = Buffer.from(claim.mac, 'hex');
  return given.length === expected.length && crypto.timingSafeEqual(given, expected);
}
