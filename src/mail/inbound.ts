import type { TFunction } from 'i18next';
import type { Settings } from '../settings/settings.schema';

/**
 * Whether a customer's reply to one of our mails reaches their ticket. It does only once
 * inbound mail (fetching from a mailbox, or a pipe from the mail server) exists and is set up;
 * this version has neither, so it is never true, and every customer mail sends the customer to
 * their ticket's link instead of asking for a reply that would be lost. The e-mail channel,
 * when it lands, answers here from its settings, and the wording follows by itself.
 */
export function inboundMailActive(_settings: Settings): boolean {
  return false;
}

/**
 * A sentence that tells the customer how to answer: `key` sends them to the ticket's link,
 * `<key>Inbound` (used only while inbound mail works) also invites a reply to the mail.
 */
export function answerWording(t: TFunction, key: 'mail.ticket_received.replyHint' | 'mail.staff_replied.replyHint' | 'mail.ticket_resolved.reopen', inbound: boolean): string {
  return t(inbound ? `${key}Inbound` : key);
}
