import crypto from 'node:crypto';

/**
 * The signed per-ticket address a staff member answers a notification at: the help desk's
 * reply address with a plus tag, `help+t<ticket>s<staff>d<day>v<version>.<mac>@example.com`.
 * The MAC (HMAC-SHA256 under the signing secret, 100 bits written as 20 characters of
 * lower-case base32, because mail servers may fold the case of the local part) binds the
 * ticket, ONE staff member, the day the address was issued and that member's reply key
 * version: another member's address, or one made up, does not verify; an address expires
 * `staffReplyValidDays` after its day; raising the member's key version (staff.reply_key_version)
 * kills every address handed out before. The mail server must deliver plus-addressed mail to
 * the reply mailbox (plus-addressing or a catch-all; see README).
 */
export const staffReplyValidDays = 30;
const dayMs = 86_400_000;
const macBytes = 13; // 104 bits read, the first 100 written
const macChars = 20;
/** RFC 5321: a local part has at most 64 characters. */
const maxLocalPart = 64;
const tagPattern = /^t(\d{1,12})s(\d{1,12})d(\d{1,6})v(\d{1,9})\.([a-z2-7]{20})$/;
const base32Alphabet = 'abcdefghijklmnopqrstuvwxyz234567';

function base32(bytes: Buffer, chars: number): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < chars) {
      out += base32Alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  return out;
}

/** What an address binds: the ticket, the staff member, the day it was issued (days since 1970) and the member's key version. */
export type StaffReplyKey = { ticketId: number; staffId: number; day: number; version: number };

function macOf(secret: string, key: StaffReplyKey): string {
  const digest = crypto
    .createHmac('sha256', secret)
    .update(`staff-reply:2:${key.ticketId}:${key.staffId}:${key.day}:${key.version}`)
    .digest();
  return base32(digest.subarray(0, macBytes), macChars);
}

export const dayOf = (now: number): number => Math.floor(now / dayMs);

/** Splits an address into its local part without plus tag, its tag (or null) and its domain, lower-cased. */
function partsOf(address: string): { base: string; tag: string | null; domain: string } | null {
  const at = address.lastIndexOf('@');
  if (at <= 0) return null;
  const local = address.slice(0, at).toLowerCase();
  const plus = local.indexOf('+');
  return {
    base: plus < 0 ? local : local.slice(0, plus),
    tag: plus < 0 ? null : local.slice(plus + 1),
    domain: address.slice(at + 1).toLowerCase(),
  };
}

/**
 * The Reply-To of a staff notification about `ticketId` sent to `staffId`, issued `now`; null
 * when the reply address's local part is too long to carry the tag (over 64 characters).
 */
export function staffReplyAddress(
  secret: string,
  replyAddress: string,
  key: Omit<StaffReplyKey, 'day'>,
  now: number,
): string | null {
  const parts = partsOf(replyAddress);
  if (!parts) return null;
  const full: StaffReplyKey = { ...key, day: dayOf(now) };
  const local = `${parts.base}+t${full.ticketId}s${full.staffId}d${full.day}v${full.version}.${macOf(secret, full)}`;
  return local.length > maxLocalPart ? null : `${local}@${parts.domain}`;
}

/** What a recipient address claims, before its MAC is checked. */
export type ClaimedStaffReply = StaffReplyKey & { address: string; mac: string };

/**
 * The first recipient that is one of `replyAddresses` with a staff reply tag, or null (most
 * mail). Only the help desk's own reply address counts: a customer's reply-all that copies some
 * other `x+t1s2d3v4.…@elsewhere` address is ordinary mail.
 */
export function claimedStaffReply(
  recipients: readonly string[],
  replyAddresses: readonly string[],
): ClaimedStaffReply | null {
  const ours = replyAddresses.map(partsOf).filter((p) => p !== null);
  for (const address of recipients) {
    const parts = partsOf(address);
    if (!parts?.tag || !ours.some((o) => o.base === parts.base && o.domain === parts.domain)) continue;
    const m = tagPattern.exec(parts.tag);
    if (m)
      return {
        address: address.toLowerCase(),
        ticketId: Number(m[1]),
        staffId: Number(m[2]),
        day: Number(m[3]),
        version: Number(m[4]),
        mac: m[5]!,
      };
  }
  return null;
}

/** Whether the address's MAC is the one we would write for what it claims (constant time). */
export function staffReplySignatureValid(secret: string, claim: ClaimedStaffReply): boolean {
  const expected = Buffer.from(macOf(secret, claim));
  const given = Buffer.from(claim.mac);
  return given.length === expected.length && crypto.timingSafeEqual(given, expected);
}

/** Whether a (verified) address is past its validity, or issued on a day that has not come yet. */
export function staffReplyExpired(claim: ClaimedStaffReply, now: number): boolean {
  const today = dayOf(now);
  return claim.day + staffReplyValidDays < today || claim.day > today + 1;
}
