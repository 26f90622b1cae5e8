import type { Knex } from 'knex';
import { insertReturningId } from '../db/insert';

export type NewTicketRow = {
  tracking_id: string;
  subject: string;
  customer_id: number;
  category_id: number;
  tier: number;
  status_id: number;
  priority_id: number;
  language: string;
  source: string;
  ip: string | null;
  submission_key: string | null;
  created_at: number;
  updated_at: number;
};

/** A ticket as the customer pages and the mails show it. */
export type TicketView = {
  id: number;
  trackingId: string;
  subject: string;
  customerId: number;
  customerEmail: string;
  customerName: string;
  categoryId: number;
  categoryName: string;
  statusKey: string;
  statusName: string;
  statusColor: string;
  statusIsOpen: boolean;
  priorityKey: string;
  priorityName: string;
  language: string;
  mergedIntoId: number | null;
  ownerId: number | null;
  tier: number;
  createdAt: number;
  updatedAt: number;
  resolvedAt: number | null;
  /** Who made the current resolution: 'staff', 'auto' (auto-close), 'customer'; null when open or unknown. */
  resolvedBy: 'staff' | 'auto' | 'customer' | null;
  /** The staff member credited with the current resolution (the survey's rating goes to them). */
  resolvedByStaffId: number | null;
};

export async function insertTicket(trx: Knex, row: NewTicketRow): Promise<number> {
  return insertReturningId(trx, 'tickets', { ...row, message_count: 0, last_replier_type: 'customer' });
}

function viewQuery(db: Knex) {
  return db('tickets as t')
    .join('customers as c', 'c.id', 't.customer_id')
    .join('categories as g', 'g.id', 't.category_id')
    .join('statuses as s', 's.id', 't.status_id')
    .join('priorities as p', 'p.id', 't.priority_id')
    .select(
      't.id',
      't.tracking_id',
      't.subject',
      't.customer_id',
      'c.email as customer_email',
      'c.name as customer_name',
      't.category_id',
      'g.name as category_name',
      's.key as status_key',
      's.name as status_name',
      's.color as status_color',
      's.is_open as status_is_open',
      'p.key as priority_key',
      'p.name as priority_name',
      't.language',
      't.merged_into_id',
      't.owner_id',
      't.tier',
      't.created_at',
      't.updated_at',
      't.resolved_at',
      't.resolved_by',
      't.resolved_by_staff_id',
    );
}

type ViewRow = Record<string, unknown>;
function toView(r: ViewRow): TicketView {
  return {
    id: Number(r.id),
    trackingId: String(r.tracking_id),
    subject: String(r.subject),
    customerId: Number(r.customer_id),
    customerEmail: String(r.customer_email),
    customerName: String(r.customer_name),
    categoryId: Number(r.category_id),
    categoryName: String(r.category_name),
    statusKey: String(r.status_key),
    statusName: String(r.status_name),
    statusColor: String(r.status_color),
    statusIsOpen: Boolean(r.status_is_open),
    priorityKey: String(r.priority_key),
    priorityName: String(r.priority_name),
    language: String(r.language),
    mergedIntoId: r.merged_into_id == null ? null : Number(r.merged_into_id),
    ownerId: r.owner_id == null ? null : Number(r.owner_id),
    tier: Number(r.tier),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    resolvedAt: r.resolved_at == null ? null : Number(r.resolved_at),
    resolvedBy:
      r.resolved_by === 'staff' || r.resolved_by === 'auto' || r.resolved_by === 'customer' ? r.resolved_by : null,
    resolvedByStaffId: r.resolved_by_staff_id == null ? null : Number(r.resolved_by_staff_id),
  };
}

export async function findTicketByTrackingId(db: Knex, trackingId: string): Promise<TicketView | undefined> {
  const row = (await viewQuery(db).where('t.tracking_id', trackingId).first()) as ViewRow | undefined;
  return row ? toView(row) : undefined;
}

/** Whether a tracking ID is in use: the unique index alone answers, no joins. */
export async function trackingIdTaken(db: Knex, trackingId: string): Promise<boolean> {
  return (await db('tickets').where({ tracking_id: trackingId }).first('id')) !== undefined;
}

export async function findTicketById(db: Knex, id: number): Promise<TicketView | undefined> {
  const row = (await viewQuery(db).where('t.id', id).first()) as ViewRow | undefined;
  return row ? toView(row) : undefined;
}

/** Several tickets in one read (a job's batch), by id. */
export async function findTicketsByIds(db: Knex, ids: readonly number[]): Promise<Map<number, TicketView>> {
  if (ids.length === 0) return new Map();
  const rows = (await viewQuery(db).whereIn('t.id', [...new Set(ids)])) as ViewRow[];
  return new Map(rows.map((r) => [Number(r.id), toView(r)]));
}

export async function findTicketBySubmissionKey(db: Knex, key: string): Promise<TicketView | undefined> {
  const row = (await viewQuery(db).where('t.submission_key', key).first()) as ViewRow | undefined;
  return row ? toView(row) : undefined;
}

export async function updateTicket(trx: Knex, id: number, patch: Record<string, unknown>): Promise<void> {
  await trx('tickets').where({ id }).update(patch);
}

/**
 * The same change of several tickets in one statement (a job's batch): its rows are locked in id
 * order. Several calls in one transaction (one per new priority) lock each call's rows in turn, so
 * not all in id order: a deadlock with another writer is possible and retried by withTransaction.
 */
export async function updateTickets(trx: Knex, ids: readonly number[], patch: Record<string, unknown>): Promise<void> {
  if (ids.length)
    await trx('tickets')
      .whereIn(
        'id',
        [...ids].sort((a, b) => a - b),
      )
      .update(patch);
}

/**
 * Locks the ticket row before a message is added (every writer of messages does so first: the
 * message's foreign key and the count update would otherwise lock it in two steps and deadlock).
 * With `unlessNewerThan`, only when no customer message or staff reply newer than that id has
 * arrived: the check is the UPDATE's own condition, evaluated under the row lock, so of two
 * replies written against the same page exactly one gets through. False: it did not.
 */
export async function lockTicketForMessage(
  trx: Knex,
  id: number,
  now: number,
  unlessNewerThan: number | null = null,
): Promise<boolean> {
  const q = trx('tickets').where({ id });
  if (unlessNewerThan !== null)
    q.andWhere((w) => w.whereNull('last_message_id').orWhere('last_message_id', '<=', unlessNewerThan));
  return (await q.update({ updated_at: now })) > 0;
}

export async function bumpMessageCount(trx: Knex, id: number, patch: Record<string, unknown>): Promise<void> {
  await trx('tickets')
    .where({ id })
    .update({ ...patch, message_count: trx.raw('message_count + 1') });
}

/** Open tickets of one customer: found through the customer's own index, never by e-mail text. */
export async function countOpenTicketsOfCustomer(db: Knex, customerId: number): Promise<number> {
  const [row] = await db('tickets as t')
    .join('statuses as s', 's.id', 't.status_id')
    .where({ 't.customer_id': customerId, 's.is_open': true })
    .whereNull('t.merged_into_id')
    .count<{ n: number }[]>({ n: '*' });
  return Number(row?.n ?? 0);
}

export async function listTicketsOfCustomer(
  db: Knex,
  customerId: number,
  opts: { openOnly: boolean; limit: number },
): Promise<TicketView[]> {
  const q = viewQuery(db)
    .where('t.customer_id', customerId)
    .whereNull('t.merged_into_id')
    .orderBy('t.created_at', 'desc')
    .limit(opts.limit);
  if (opts.openOnly) q.where('s.is_open', true);
  return ((await q) as ViewRow[]).map(toView);
}

/** Removes a ticket; its messages, attachments, events and field values go with it (FK cascade). */
export async function deleteTicketRows(trx: Knex, id: number): Promise<void> {
  // Tickets merged into this one keep existing, pointing nowhere.
  await trx('tickets').where({ merged_into_id: id }).update({ merged_into_id: null });
  await trx('tickets').where({ id }).del();
}
