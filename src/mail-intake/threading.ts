import type { Knex } from 'knex';
import { findTicketById, findTicketByTrackingId, type TicketView } from '../tickets/tickets.repo';
import { parseTrackingId } from '../tickets/tracking-id';
import type { IncomingMail } from './parse-mail';
import { isFollower } from '../followers/followers.repo';
import { findTicketIdByMessageIds } from './thread.repo';

/** `[#ABC-DEF-GHJK]` as our subjects carry it (formatTrackingId), dashes optional. */
const subjectTrackingPattern = /\[#\s*([A-Za-z0-9]{3}-?[A-Za-z0-9]{3}-?[A-Za-z0-9]{4})\s*\]/g;

export function trackingIdsInSubject(subject: string): string[] {
  return [...subject.matchAll(subjectTrackingPattern)]
    .map((m) => parseTrackingId(m[1]))
    .filter((id): id is string => id !== null);
}

/** References first (oldest to newest), In-Reply-To last: the direct parent is the best witness. */
export function referencedIds(mail: Pick<IncomingMail, 'inReplyTo' | 'references' | 'messageId'>): string[] {
  const ids = [...mail.references, ...mail.inReplyTo].filter((id) => id !== mail.messageId);
  return [...new Set(ids.reverse())].reverse().slice(-50);
}

/** A merged ticket lives on in the one it was merged into (a chain, followed a few steps). */
export async function liveTicket(db: Knex, ticket: TicketView | undefined): Promise<TicketView | undefined> {
  for (let hops = 0; ticket && ticket.mergedIntoId !== null && hops < 10; hops++)
    ticket = await findTicketById(db, ticket.mergedIntoId);
  return ticket;
}

export type Thread =
  /** `follower`: the sender follows the ticket (src/followers) rather than being its customer. */
  | { kind: 'reply'; ticket: TicketView; via: 'header' | 'subject'; follower?: string }
  /** The mail names a ticket whose customer is someone else: it opens a new ticket instead. */
  | { kind: 'forged'; referenced: TicketView; via: 'header' | 'subject' }
  | { kind: 'new' };

/**
 * Which ticket a mail answers: our Message-ID in In-Reply-To/References first, then a tracking
 * ID in the subject. It lands there only when it comes from that ticket's customer or one of its
 * followers (addresses compared exactly, lower-cased): anyone can copy a subject or a header.
 */
export async function findThread(db: Knex, mail: IncomingMail): Promise<Thread> {
  const sender = mail.from?.address ?? '';
  const candidates: Array<{ ticket: TicketView; via: 'header' | 'subject' }> = [];
  const byHeader = await findTicketIdByMessageIds(db, referencedIds(mail));
  const headerTicket = byHeader !== null ? await liveTicket(db, await findTicketById(db, byHeader)) : undefined;
  if (headerTicket) candidates.push({ ticket: headerTicket, via: 'header' });
  for (const id of trackingIdsInSubject(mail.subject).slice(0, 3)) {
    const ticket = await liveTicket(db, await findTicketByTrackingId(db, id));
    if (ticket) candidates.push({ ticket, via: 'subject' });
  }
  const own = candidates.find((c) => c.ticket.customerEmail.toLowerCase() === sender);
  if (own) return { kind: 'reply', ticket: own.ticket, via: own.via };
  for (const c of candidates)
    if (await isFollower(db, c.ticket.id, sender))
      return { kind: 'reply', ticket: c.ticket, via: c.via, follower: sender };
  const first = candidates[0];
  return first ? { kind: 'forged', referenced: first.ticket, via: first.via } : { kind: 'new' };
}
