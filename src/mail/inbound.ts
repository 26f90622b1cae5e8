import type { TFunction } from 'i18next';
import type { Settings } from '../settings/settings.schema';

/**
 * Whether a customer's reply to one of our mails reaches their ticket: the admin says so with
 * the setting "Customers can answer by e-mail" once mail to the help desk is imported (a
 * mailbox, or the pipe from the mail server). A setting, not "a mailbox exists": the pipe has
 * no row to look at, and a mailbox can be set up and tested before customers are invited to
 * write to it. While it is off, every customer mail sends the customer to their ticket's link
 * instead of asking for a reply that would be lost, and carries no Reply-To nor reply marker.
 */
export function inboundMailActive(settings: Settings): boolean {
  return settings['mail.inboundReplies'];
}

/**
 * The ASCII part of the "reply above this line" marker, the same in every language (locale key
 * `mail.replyAbove`): the import cuts a reply at the first line that holds it, whatever the
 * customer's language and however their mail client quotes (`> `) the text below.
 */
export const replyMarkerToken = 'reply above this line -##';

/** The address customers' answers go to (Reply-To): the setting, else the help desk's e-mail. */
export function replyAddressOf(settings: Settings): string {
  return settings['mail.replyTo'] || settings['helpdesk.email'];
}

/**
 * A sentence that tells the customer how to answer: `key` sends them to the ticket's link,
 * `<key>Inbound` (used only while inbound mail works) also invites a reply to the mail.
 */
export function answerWording(
  t: TFunction,
  key:
    | 'mail.ticket_received.replyHint'
    | 'mail.staff_replied.replyHint'
    | 'mail.ticket_resolved.reopen'
    | 'follower_staff_replied.replyHint'
    | 'autoClose.mail.reopen',
  inbound: boolean,
): string {
  return t(inbound ? `${key}Inbound` : key);
}
