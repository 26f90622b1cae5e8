import type { Knex } from 'knex';

/** What the clocks of one ticket depend on, read in the transaction of the change. */
export type ClockFacts = {
  ticketId: number;
  createdAt: number;
  priorityId: number;
  categoryId: number;
  customerEmail: string | null;
  isOpen: boolean;
  pauses: boolean;
  merged: boolean;
  firstStaffReplyAt: number | null;
  /** Creation time of the oldest customer message after the last staff reply, when staff has replied. */
  unansweredSince: number | null;
};

export async function readClockFacts(trx: Knex, ticketId: number): Promise<ClockFacts | undefined> {
  const [t] = await ticketFacts(trx, [ticketId]);
  if (!t) return undefined;
  // Each a point read of the (ticket_id, kind, id) index, never every message of the ticket;
  // ids, not times, order messages written in the same millisecond.
  const byKind = (kind: 'staff' | 'customer') => trx('messages').where({ ticket_id: ticketId, kind });
  const firstStaff = await byKind('staff')
    .orderBy('id', 'asc')
    .first<{ created_at: number | string } | undefined>('created_at');
  let unansweredSince: number | null = null;
  if (firstStaff) {
    const lastStaff = (await byKind('staff').orderBy('id', 'desc').first<{ id: number | string }>('id'))!;
    const waiting = await byKind('customer')
      .andWhere('id', '>', lastStaff.id)
      .orderBy('id', 'asc')
      .first<{ created_at: number | string } | undefined>('created_at');
    unansweredSince = waiting ? Number(waiting.created_at) : null;
  }
  return factsOf(t, firstStaff ? Number(firstStaff.created_at) : null, unansweredSince);
}

type TicketFactsRow = {
  id: number;
  created_at: number;
  priority_id: number;
  category_id: number;
  email: string | null;
  is_open: boolean | number;
  pauses_sla: boolean | number;
  merged_into_id: number | null;
};
const ticketFacts = (trx: Knex, ids: readonly number[]) =>
  trx('tickets as t')
    .join('statuses as s', 's.id', 't.status_id')
    .join('customers as c', 'c.id', 't.customer_id')
    .whereIn('t.id', ids)
    .select<TicketFactsRow[]>(
      't.id',
      't.created_at',
      't.priority_id',
      't.category_id',
      'c.email',
      's.is_open',
      's.pauses_sla',
      't.merged_into_id',
    );
const factsOf = (t: TicketFactsRow, firstStaffReplyAt: number | null, unansweredSince: number | null): ClockFacts => ({
  ticketId: Number(t.id),
  createdAt: Number(t.created_at),
  priorityId: Number(t.priority_id),
  categoryId: Number(t.category_id),
  customerEmail: t.email,
  isOpen: Boolean(t.is_open),
  pauses: Boolean(t.pauses_sla),
  merged: t.merged_into_id != null,
  firstStaffReplyAt,
  unansweredSince,
});

/**
 * readClockFacts for many tickets at once (a job's batch re-syncing the tickets it changed): the
 * tickets in one read, the first and last staff reply per ticket by one grouped read of
 * messages(ticket_id, kind, id), the customer message waiting after the last staff reply by
 * another, and their times by id: four statements however many tickets.
 */
export async function readClockFactsOf(trx: Knex, ticketIds: readonly number[]): Promise<Map<number, ClockFacts>> {
  const facts = new Map<number, ClockFacts>();
  if (ticketIds.length === 0) return facts;
  const ids = [...new Set(ticketIds)];
  // One ticket (every change made on a page): point reads of its index. The grouped reads below
  // compare each customer message with the ticket's last staff reply, which grows with the ticket.
  if (ids.length === 1) {
    const one = await readClockFacts(trx, ids[0]!);
    if (one) facts.set(ids[0]!, one);
    return facts;
  }
  const tickets = await ticketFacts(trx, ids);
  const staff = await trx('messages')
    .whereIn('ticket_id', ids)
    .andWhere('kind', 'staff')
    .groupBy('ticket_id')
    .select<Array<{ ticket_id: number; first_id: number | string }>>('ticket_id', trx.raw('min(id) as first_id'));
  const waiting =
    staff.length === 0
      ? []
      : await trx('messages as m')
          .whereIn(
            'm.ticket_id',
            staff.map((r) => r.ticket_id),
          )
          .andWhere('m.kind', 'customer')
          .andWhere(
            'm.id',
            '>',
            trx('messages as l').where('l.ticket_id', trx.ref('m.ticket_id')).andWhere('l.kind', 'staff').max('l.id'),
          )
          .groupBy('m.ticket_id')
          .select<Array<{ ticket_id: number; id: number | string }>>('m.ticket_id', trx.raw('min(m.id) as id'));
  const messageIds = [...staff.map((r) => r.first_id), ...waiting.map((r) => r.id)].map(Number);
  const times = new Map(
    messageIds.length === 0
      ? []
      : (
          await trx('messages')
            .whereIn('id', messageIds)
            .select<Array<{ id: number | string; created_at: number | string }>>('id', 'created_at')
        ).map((r) => [Number(r.id), Number(r.created_at)]),
  );
  const firstStaff = new Map(staff.map((r) => [Number(r.ticket_id), times.get(Number(r.first_id))!]));
  const waitingSince = new Map(waiting.map((r) => [Number(r.ticket_id), times.get(Number(r.id))!]));
  for (const t of tickets) {
    const ticketId = Number(t.id);
    const first = firstStaff.get(ticketId) ?? null;
    facts.set(ticketId, factsOf(t, first, first === null ? null : (waitingSince.get(ticketId) ?? null)));
  }
  return facts;
}

/** The tickets' custom field values: ticket id → field id → value. */
export async function fieldValuesOfTickets(
  trx: Knex,
  ticketIds: readonly number[],
): Promise<Map<number, Map<number, string>>> {
  const values = new Map(ticketIds.map((id) => [id, new Map<number, string>()]));
  if (ticketIds.length === 0) return values;
  const rows = await trx('custom_field_values')
    .whereIn('ticket_id', [...values.keys()])
    .select<Array<{ ticket_id: number; field_id: number; value: string }>>('ticket_id', 'field_id', 'value');
  for (const r of rows) values.get(Number(r.ticket_id))?.set(Number(r.field_id), r.value);
  return values;
}
