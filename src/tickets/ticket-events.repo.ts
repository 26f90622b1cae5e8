import type { Knex } from 'knex';

export type Actor = { type: 'customer' | 'staff' | 'system'; id: number | null };

export type NewTicketEvent = { ticketId: number; type: string; actor: Actor; data: Record<string, unknown> };
const eventRow = (e: NewTicketEvent, now: number) => ({
  ticket_id: e.ticketId,
  type: e.type,
  actor_type: e.actor.type,
  actor_id: e.actor.id,
  data: JSON.stringify(e.data),
  created_at: now,
});

export async function insertTicketEvent(
  trx: Knex,
  ticketId: number,
  type: string,
  actor: Actor,
  data: Record<string, unknown>,
  now: number,
): Promise<void> {
  await trx('ticket_events').insert(eventRow({ ticketId, type, actor, data }, now));
}

/** Several events in one statement per 100 (a job's batch), stored in the order given. */
export async function insertTicketEvents(trx: Knex, events: readonly NewTicketEvent[], now: number): Promise<void> {
  for (let i = 0; i < events.length; i += 100)
    await trx('ticket_events').insert(events.slice(i, i + 100).map((e) => eventRow(e, now)));
}

export type TicketEventRow = {
  id: number;
  type: string;
  actorType: string;
  actorId: number | null;
  actorName: string | null;
  data: Record<string, unknown>;
  createdAt: number;
};

/** A ticket's history, newest last, with the staff member's name where staff acted. */
export async function listTicketEvents(db: Knex, ticketId: number): Promise<TicketEventRow[]> {
  const rows = await db('ticket_events as e')
    .leftJoin('staff_users as s', function () {
      this.on('s.id', '=', 'e.actor_id').andOn('e.actor_type', '=', db.raw('?', ['staff']));
    })
    .where('e.ticket_id', ticketId)
    .orderBy('e.id')
    .select('e.id', 'e.type', 'e.actor_type', 'e.actor_id', 's.name as actor_name', 'e.data', 'e.created_at');
  return rows.map((r: Record<string, unknown>) => ({
    id: Number(r.id),
    type: String(r.type),
    actorType: String(r.actor_type),
    actorId: r.actor_id == null ? null : Number(r.actor_id),
    actorName: r.actor_name == null ? null : String(r.actor_name),
    data: r.data ? (JSON.parse(String(r.data)) as Record<string, unknown>) : {},
    createdAt: Number(r.created_at),
  }));
}
