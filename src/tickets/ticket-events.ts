import type { Trx } from '../db/db';
import { insertTicketEvent, type Actor, type NewTicketEvent } from './ticket-events.repo';
import type { TicketView } from './tickets.repo';
import type { CategoryRouting } from '../categories/ticket-routing.repo';

/** What happened to a ticket. Each is stored as an event row (history and audit in one). */
export type TicketEvent =
  | {
      type: 'ticket.created';
      ticket: TicketView;
      messageId: number;
      actor: Actor;
      notifyCustomer?: boolean;
      /** The customer's own Message-ID when the ticket came by mail: the one mail of the new thread. */
      emailMessageId?: string | null;
      /** The category's rules for a new ticket as the creation read them (routing reads them when absent). */
      routing?: CategoryRouting;
    }
  | { type: 'ticket.customer_replied'; ticket: TicketView; messageId: number; actor: Actor }
  | {
      type: 'ticket.staff_replied';
      ticket: TicketView;
      messageId: number;
      body: string;
      staffName: string;
      actor: Actor;
    }
  | { type: 'ticket.status_changed'; ticket: TicketView; from: string; to: string; actor: Actor }
  | { type: 'message.rated'; ticket: TicketView; messageId: number; rating: 1 | -1; actor: Actor }
  | { type: 'ticket.note_added'; ticket: TicketView; messageId: number; actor: Actor }
  | {
      type: 'ticket.assigned';
      ticket: TicketView;
      from: number | null;
      to: number | null;
      actor: Actor;
      reason?: string;
    }
  | { type: 'ticket.priority_changed'; ticket: TicketView; from: string; to: string; actor: Actor }
  | { type: 'ticket.category_changed'; ticket: TicketView; from: number; to: number; actor: Actor }
  | { type: 'ticket.merged'; ticket: TicketView; from: string; to: string; actor: Actor }
  | {
      type: 'ticket.escalated';
      ticket: TicketView;
      from: number;
      to: number;
      fromName: string;
      reason: string;
      staffName: string;
      actor: Actor;
    }
  | {
      type: 'ticket.field_changed';
      ticket: TicketView;
      field: string;
      from: string | null;
      to: string | null;
      actor: Actor;
    }
  | { type: 'ticket.due_changed'; ticket: TicketView; from: number | null; to: number | null; actor: Actor }
  | { type: 'ticket.time_logged'; ticket: TicketView; minutes: number; note: string | null; actor: Actor }
  | { type: 'ticket.linked' | 'ticket.unlinked'; ticket: TicketView; other: string; actor: Actor }
  | { type: 'ticket.tag_added' | 'ticket.tag_removed'; ticket: TicketView; tag: string; actor: Actor };

/** Adds its durable consequences (a queued mail, a webhook) inside the change's transaction. */
export type TicketSubscriber = (trx: Trx, event: TicketEvent, now: number) => Promise<void>;

function eventData(e: TicketEvent): Record<string, unknown> {
  switch (e.type) {
    case 'ticket.created':
    case 'ticket.customer_replied':
    case 'ticket.staff_replied':
    case 'ticket.note_added':
      return { messageId: e.messageId };
    case 'ticket.assigned':
      return e.reason ? { from: e.from, to: e.to, reason: e.reason } : { from: e.from, to: e.to };
    case 'ticket.status_changed':
    case 'ticket.priority_changed':
    case 'ticket.category_changed':
    case 'ticket.merged':
      return { from: e.from, to: e.to };
    case 'ticket.escalated':
      return { from: e.fromName, to: e.ticket.categoryName, tier: e.ticket.tier, reason: e.reason };
    case 'message.rated':
      return { messageId: e.messageId, rating: e.rating };
    case 'ticket.field_changed':
      return { field: e.field, from: e.from, to: e.to };
    case 'ticket.due_changed':
      return { from: e.from, to: e.to };
    case 'ticket.time_logged':
      return { minutes: e.minutes, note: e.note };
    case 'ticket.linked':
    case 'ticket.unlinked':
      return { other: e.other };
    case 'ticket.tag_added':
    case 'ticket.tag_removed':
      return { tag: e.tag };
  }
}

/** The history line an event is stored as. */
export function eventLine(event: TicketEvent): NewTicketEvent {
  return { ticketId: event.ticket.id, type: event.type, actor: event.actor, data: eventData(event) };
}

/**
 * Changes flow one way: a service records the event, and every subscriber reacts in the same
 * transaction, so a change and its consequences are stored together or not at all. A new
 * reaction to tickets is a new subscriber, never an edit of the ticket service.
 */
export class TicketEvents {
  private readonly subscribers: TicketSubscriber[] = [];

  subscribe(subscriber: TicketSubscriber): void {
    this.subscribers.push(subscriber);
  }

  async publish(trx: Trx, event: TicketEvent, now: number): Promise<void> {
    const line = eventLine(event);
    await insertTicketEvent(trx, line.ticketId, line.type, line.actor, line.data, now);
    await this.react(trx, event, now);
  }

  /** The subscribers alone, for a change whose history line the caller stored (a job's batch writes many at once). */
  async react(trx: Trx, event: TicketEvent, now: number): Promise<void> {
    for (const subscriber of this.subscribers) await subscriber(trx, event, now);
  }
}
