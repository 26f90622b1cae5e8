import type { Request } from 'express';

/**
 * Tickets this browser has proven access to (tracking ID + e-mail, a signed link, or having
 * just opened the ticket) are remembered in the session, so every later page of the ticket
 * (replies, downloads) needs no new proof. Bounded, so a session cannot grow without limit.
 */
const maxRemembered = 20;

export function grantTicketAccess(req: Request, ticketId: number): void {
  const list = (req.session.customerTickets ?? []).filter((id) => id !== ticketId);
  req.session.customerTickets = [ticketId, ...list].slice(0, maxRemembered);
}

export function hasTicketAccess(req: Request, ticketId: number): boolean {
  return (req.session.customerTickets ?? []).includes(ticketId);
}
