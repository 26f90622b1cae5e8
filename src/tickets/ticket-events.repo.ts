import type { Knex } from 'knex';

export type Actor = { type: 'customer' | 'staff' | 'system'; id: number | null };

export async function insertTicketEvent(trx: Knex, ticketId: number, type: string, actor: Actor, data: Record<string, unknown>, now: number): Promise<void> {
  await trx('ticket_events').insert({ ticket_id: ticketId, type, actor_type: actor.type, actor_id: actor.id, data: JSON.stringify(data), created_at: now });
}
