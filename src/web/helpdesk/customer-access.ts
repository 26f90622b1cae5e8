import type { Request } from 'express';
import { isStoredSession } from '../middleware/session-store';

/**
 * Tickets this browser has proven access to (tracking ID + e-mail, a signed link, or having
 * just opened the ticket) are remembered in the session, so every later page of the ticket
 * (replies, downloads) needs no new proof. Bounded, so a session cannot grow without limit.
 * Proving access to an existing ticket is a sign-in of sorts: the session gets a new id (a
 * cookie planted before cannot inherit the grant). A session that was not read from the store in
 * this request already has such an id (drawn by express-session in this request, sent to no one
 * yet): it is kept, which spares the delete of a row that does not exist (issue 16). Opening a
 * new ticket keeps the id, so the second request of a double click (sent with the same cookie)
 * still finds its session. From the first grant on, the session's absolute timeout applies.
 */
const maxRemembered = 20;

export async function grantTicketAccess(
  req: Request,
  ticketId: number,
  now: number,
  opts: { renewSession: boolean } = { renewSession: true },
): Promise<void> {
  const tickets = [ticketId, ...(req.session.customerTickets ?? []).filter((id) => id !== ticketId)].slice(
    0,
    maxRemembered,
  );
  const startedAt = req.session.startedAt ?? now;
  if (!opts.renewSession || !isStoredSession(req.session)) {
    req.session.customerTickets = tickets;
    req.session.startedAt = startedAt;
    return;
  }
  const passport = (req.session as unknown as { passport?: unknown }).passport;
  await new Promise<void>((resolve, reject) => req.session.regenerate((err) => (err ? reject(err) : resolve())));
  req.session.customerTickets = tickets;
  req.session.startedAt = startedAt;
  // A staff member checking a ticket as a customer stays signed in.
  if (passport) (req.session as unknown as { passport?: unknown }).passport = passport;
}

export function hasTicketAccess(req: Request, ticketId: number): boolean {
  return (req.session.customerTickets ?? []).includes(ticketId);
}
