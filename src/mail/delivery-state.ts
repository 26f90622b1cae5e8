import type { OutboxEntry } from './outbox.repo';

/**
 * What staff are told about a mail, in the words that are true for it: waiting to be sent,
 * being sent, deferred (with the last error and the next try), sent (with the time the server
 * accepted it), only written to the mail log file (nothing was sent), failed, or bounced (the
 * server accepted it, and a delivery status notification came back: the diagnostic is the last error).
 */
export type DeliveryKind = 'queued' | 'sending' | 'deferred' | 'sent' | 'logged' | 'failed' | 'bounced';

export type DeliveryState = {
  mailId: number;
  kind: DeliveryKind;
  /** The customer's confirmation of a new ticket (with its tracking ID), not a message mailed on. */
  confirmation: boolean;
  to: string;
  /** When it was sent or written to the file. */
  at: number | null;
  nextTry: number | null;
  lastError: string | null;
  /** Sent again after an attempt whose outcome was never recorded: it may have arrived twice. */
  maybeTwice: boolean;
};

/** The mails a customer gets about their ticket; staff can see and re-send these on the ticket page. */
export const customerTicketTemplates: readonly string[] = [
  'ticket_received',
  'staff_replied',
  'ticket_resolved',
  'ticket_auto_closed',
];

/**
 * Every mail about a ticket to someone outside the help desk: the customer's, and the followers'
 * copies of staff replies. Staff see and re-send these beside the reply; answers to them reach
 * the ticket. The customer's mail thread (thread.repo.ts) keeps to the customer's own mails.
 */
export const ticketMailTemplates: readonly string[] = [...customerTicketTemplates, 'follower_staff_replied'];

export function deliveryStateOf(mail: OutboxEntry): DeliveryState {
  const base = {
    mailId: mail.id,
    confirmation: mail.template === 'ticket_received',
    to: mail.toAddress,
    at: null,
    nextTry: null,
    lastError: null,
    maybeTwice: mail.interruptedAttempts > 0,
  };
  switch (mail.status) {
    case 'sent':
      return { ...base, kind: mail.sentVia === 'file' ? 'logged' : 'sent', at: mail.sentAt };
    case 'failed':
      return { ...base, kind: 'failed', lastError: mail.lastError };
    case 'bounced':
      return { ...base, kind: 'bounced', at: mail.sentAt, lastError: mail.lastError };
    case 'deferred':
      return {
        ...base,
        kind: mail.attemptOpen ? 'sending' : 'deferred',
        nextTry: mail.nextAttemptAt,
        lastError: mail.lastError,
      };
    default:
      return { ...base, kind: mail.attemptOpen ? 'sending' : 'queued' };
  }
}

/** The customer's and followers' mails of a ticket by the message they carry (a reply, or the first message). */
export function customerDeliveriesByMessage(mails: OutboxEntry[]): Map<number, DeliveryState[]> {
  const byMessage = new Map<number, DeliveryState[]>();
  for (const mail of mails) {
    if (mail.messageId === null || !ticketMailTemplates.includes(mail.template)) continue;
    byMessage.set(mail.messageId, [...(byMessage.get(mail.messageId) ?? []), deliveryStateOf(mail)]);
  }
  return byMessage;
}
