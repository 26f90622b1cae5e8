import crypto from 'node:crypto';

/**
 * Signed, expiring links to a customer's ticket, sent in every notification: the token is the
 * expiry time and an HMAC-SHA256 of the tracking ID and that time under the signing secret.
 */
function mac(secret: string, trackingId: string, expiresAt: number): Buffer {
  return crypto.createHmac('sha256', secret).update(`ticket-link:${trackingId}:${expiresAt}`).digest().subarray(0, 18);
}

export function signTicketLink(secret: string, trackingId: string, expiresAt: number): string {
  const seconds = Math.floor(expiresAt / 1000);
  return `${seconds.toString(36)}.${mac(secret, trackingId, seconds).toString('base64url')}`;
}

export function verifyTicketLink(secret: string, trackingId: string, token: unknown, now: number): boolean {
  if (typeof token !== 'string' || token.length > 64) return false;
  const [expiry, signature] = token.split('.');
  if (!expiry || !signature || !/^[0-9a-z]{1,10}$/.test(expiry)) return false;
  const seconds = parseInt(expiry, 36);
  if (seconds * 1000 < now) return false;
  const expected = mac(secret, trackingId, seconds);
  const given = Buffer.from(signature, 'base64url');
  return given.length === expected.length && crypto.timingSafeEqual(given, expected);
}
