import { createHmac } from 'node:crypto';

/** The user name the LMTP receiver's sign-in (AUTH PLAIN, TCP only) expects. */
export const lmtpUser = 'tessera';

/**
 * The password of the LMTP receiver's sign-in: derived from the signing secret with a label of
 * its own (HMAC-SHA256), so every process of one installation agrees on it without another
 * secret in the configuration, and knowing it gives nothing else away. `npm run lmtp:secret`
 * prints it for the mail server's configuration. Refused for an empty or short signing secret
 * (before installation): a password everybody could compute.
 */
export function lmtpSecretOf(signingSecret: string): string {
  if (signingSecret.length < 16)
    throw new Error('the signing secret is not set (Tessera is not installed): no LMTP password can be derived');
  return createHmac('sha256', signingSecret).update('tessera lmtp auth v1').digest('base64url');
}

/**
 * The RCPT TO of a pipe run that was not told its envelope recipient (`--recipient`): the
 * reserved `.invalid` domain, never a real address; the receiver imports it without one.
 */
export const unknownRecipient = 'unknown-recipient@tessera.invalid';
