import type { Knex } from 'knex';
import type { SettingsService } from '../settings/settings.service';
import type { TicketEvent, TicketSubscriber } from '../tickets/ticket-events';
import { autoCloseFacts, awaitingStatusKeys, setAutoCloseAt } from './auto-close.repo';
import { DAY } from '../clock';

const awaiting = new Set<string>(awaitingStatusKeys);
const relevant = new Set<TicketEvent['type']>([
  'ticket.created',
  'ticket.customer_replied',
  'ticket.staff_replied',
  'ticket.status_changed',
  'ticket.category_changed',
  'ticket.escalated',
  'ticket.merged',
]);

/** When a ticket in this state closes by itself: N days (its category's, else the desk's) from now; never with 0. */
export async function planAutoClose(
  trx: Knex,
  settings: SettingsService,
  ticketId: number,
  now: number,
): Promise<void> {
  const facts = await autoCloseFacts(trx, ticketId);
  if (!facts || facts.merged || !awaiting.has(facts.statusKey)) return setAutoCloseAt(trx, ticketId, null);
  const days = facts.categoryDays ?? (await settings.all(trx))['tickets.autoCloseDays'];
  await setAutoCloseAt(trx, ticketId, days > 0 ? now + days * DAY : null);
}

/**
 * Sets a waiting ticket's closing time again after the days changed (or for a ticket that was
 * waiting before auto-close existed): N days from its last change, at the earliest now.
 */
export async function replanAutoClose(
  trx: Knex,
  settings: SettingsService,
  ticketId: number,
  now: number,
): Promise<void> {
  const facts = await autoCloseFacts(trx, ticketId);
  if (!facts || facts.merged || !awaiting.has(facts.statusKey)) return setAutoCloseAt(trx, ticketId, null);
  const days = facts.categoryDays ?? (await settings.all(trx))['tickets.autoCloseDays'];
  await setAutoCloseAt(trx, ticketId, days > 0 ? Math.max(facts.updatedAt + days * DAY, now) : null);
}

/**
 * Keeps each ticket's closing time current, in the transaction of the change: a staff answer or
 * a move into a waiting status starts the N days, a customer's message (which reopens the ticket)
 * or any open status ends them.
 */
export function autoCloseSchedule(settings: SettingsService): TicketSubscriber {
  return async (trx, event, now) => {
    // A ticket made in this transaction has no closing time to clear, and one not waiting gets none.
    if (event.type === 'ticket.created' && !awaiting.has(event.ticket.statusKey)) return;
    if (relevant.has(event.type)) await planAutoClose(trx, settings, event.ticket.id, now);
  };
}
