import { DAY } from '../clock';

/**
 * Whether a customer's message joins this ticket (reopening it when it is resolved or closed)
 * rather than starting a new one: an open ticket always takes it; one that stopped being open
 * (resolved, closed by staff or by auto-close) only within `reopenDays` of that moment; with 0
 * every later message starts a new ticket. A ticket that left the open statuses without a
 * recorded time (older data) takes the message. The web reply, the reopen button and the mail
 * import all ask here.
 */
export function takesCustomerReply(
  ticket: { statusIsOpen: boolean; resolvedAt: number | null },
  reopenDays: number,
  now: number,
): boolean {
  if (ticket.statusIsOpen) return true;
  if (reopenDays <= 0) return false;
  return ticket.resolvedAt === null || now - ticket.resolvedAt <= reopenDays * DAY;
}
