import type { TicketEvent } from '../tickets/ticket-events';

/**
 * Tickets whose clock re-sync and escalation re-plan wait, per transaction: a job's batch that
 * changes many tickets (priority raises) re-syncs them together by set reads, instead of each
 * change's subscribers reading policies, calendars, clocks and messages ticket by ticket.
 * Only a transaction that asked for it defers; everything else re-syncs in the change as before.
 */
const deferred = new WeakMap<object, Set<number>>();

/** From now on, this transaction's ticket changes leave their re-sync to `takeDeferred`. */
export function deferResyncs(trx: object): void {
  deferred.set(trx, new Set());
}

/** True when the event's ticket is left for later (a merge, which also touches another ticket, never is). */
export function resyncDeferred(trx: object, event: TicketEvent): boolean {
  const waiting = deferred.get(trx);
  if (!waiting || event.type === 'ticket.merged') return false;
  waiting.add(event.ticket.id);
  return true;
}

/** The tickets waiting for their re-sync (only `ticketId`'s, when given), no longer waiting. */
export function takeDeferred(trx: object, ticketId?: number): number[] {
  const waiting = deferred.get(trx);
  if (!waiting) return [];
  const ids = ticketId === undefined ? [...waiting] : waiting.has(ticketId) ? [ticketId] : [];
  for (const id of ids) waiting.delete(id);
  return ids;
}
