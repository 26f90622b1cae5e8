import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Db } from '../db/db';
import { hitWindowCounter } from '../db/window-counter';
import {
  findKbSuggestionSession,
  markKbSuggestionOpened,
  markKbSuggestionsShown,
  markKbSuggestionSubmitted,
} from './kb-deflection.repo';

/**
 * Deflection numbers that a script cannot inflate cheaply. A suggestion session (one row of
 * kb_suggestion_sessions) is counted only
 * - for a visitor the new-ticket form page issued a signed ticket to (the suggestions request
 *   carries it; it names the visitor and the time, so it cannot be made up or moved to another
 *   visitor, and it expires after a day), and
 * - up to `kbSessionsPerClientHour` new sessions per client address and hour (a script that
 *   fetches fresh form pages to fake "opened and left" visitors is capped at that).
 * Suggestions are still shown beyond the limit; only the counting stops.
 */
export const kbSessionsPerClientHour = 30;
const ticketMaxAgeMs = 24 * 3600_000;

/** A visitor's anonymous identity for the deflection numbers: a keyed hash of their form binding. */
export const kbVisitorOf = (secret: string, binding: string) =>
  createHmac('sha256', secret).update(`kb-visitor:${binding}`).digest('hex');

const mac = (secret: string, visitor: string, issuedAt: number) =>
  createHmac('sha256', secret).update(`kb-suggest:${visitor}:${issuedAt}`).digest('base64url').slice(0, 22);

/** The signed ticket the new-ticket form page gives its suggestions requests ('' without a binding). */
export function kbSuggestTicket(secret: string, binding: string, now: number): string {
  return binding ? `${now.toString(36)}.${mac(secret, kbVisitorOf(secret, binding), now)}` : '';
}

/** The visitor a ticket was issued to, when it is ours, theirs and less than a day old. */
function visitorOfTicket(secret: string, binding: string, ticket: unknown, now: number): string | null {
  if (!binding || typeof ticket !== 'string' || ticket.length > 40) return null;
  const [time, signature] = ticket.split('.');
  if (!time || !signature || !/^[0-9a-z]{1,12}$/.test(time)) return null;
  const issuedAt = parseInt(time, 36);
  const visitor = kbVisitorOf(secret, binding);
  const expected = mac(secret, visitor, issuedAt);
  if (signature.length !== expected.length || !timingSafeEqual(Buffer.from(signature), Buffer.from(expected)))
    return null;
  return now - issuedAt < 0 || now - issuedAt > ticketMaxAgeMs ? null : visitor;
}

export type KbSuggestAsker = { binding: string; ticket: unknown; client: string };

/**
 * A visitor was shown suggestions: counted once per visitor, with a valid ticket, within the
 * per-address limit of new sessions. Returns whether a session is (now) counted.
 */
export async function recordKbSuggestionsShown(
  db: Db,
  secret: string,
  asker: KbSuggestAsker,
  now: number,
): Promise<boolean> {
  const visitor = visitorOfTicket(secret, asker.binding, asker.ticket, now);
  if (!visitor) return false;
  if (await findKbSuggestionSession(db, visitor)) return true;
  const count = await hitWindowCounter(db, `kb-sessions:${asker.client}`, 3600_000, now);
  if (count.hits > kbSessionsPerClientHour) return false;
  await markKbSuggestionsShown(db, visitor, now);
  return true;
}

/** A visitor opened a suggested article (counts only for a visitor already counted as shown). */
export async function recordKbSuggestionOpened(db: Db, secret: string, binding: string, now: number): Promise<void> {
  if (binding) await markKbSuggestionOpened(db, kbVisitorOf(secret, binding), now);
}

/** A visitor who had been shown suggestions submitted a ticket after all: not deflected. */
export async function recordKbSuggestionSubmitted(db: Db, secret: string, binding: string, now: number): Promise<void> {
  if (binding) await markKbSuggestionSubmitted(db, kbVisitorOf(secret, binding), now);
}
