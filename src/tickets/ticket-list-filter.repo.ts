import type { Knex } from 'knex';
import { customerIdsMatching, ticketIdsMatching } from '../db/fulltext';
import { whereStartsWith } from '../db/like';
import { tableThroughIndexes } from '../db/order-index';

// Which tickets a staff list holds: its filter and the WHERE it becomes (ticket-list.repo.ts reads the pages).

/** A time range in epoch ms: from inclusive, to exclusive; either end may be open. */
export type TimeRange = { from?: number; to?: number };

export type TicketListFilter = {
  categories: number[] | 'all'; // what the viewer may see
  statusIds?: number[];
  priorityId?: number;
  categoryId?: number;
  owner?: { kind: 'anyone' } | { kind: 'unassigned' } | { kind: 'staff'; id: number };
  tier?: number;
  /** Only these tickets (a bulk action's selection). */
  ids?: number[];
  /** Full-text words (subject, messages, field values, customer name), an exact tracking ID, or a customer's e-mail. */
  search?: { words: string[]; trackingId: string | null; email: string | null };
  created?: TimeRange;
  updated?: TimeRange;
  due?: TimeRange;
  /** The soonest running SLA clock's due time (issue 13). */
  sla?: TimeRange;
  /** Internal, for the SLA sort read in two parts: tickets without a running clock. */
  slaUnset?: boolean;
  /** Tickets carrying every one of these tags. */
  tagIds?: number[];
  /** Internal, for the sorts by name read a part at a time: tickets of these customers. */
  customerIds?: number[];
  /** Internal, likewise: whose reply was the last (a staff member, or null: a deleted one). */
  replier?: { kind: 'customer' } | { kind: 'staff'; id: number | null };
};

function applyRange(q: Knex.QueryBuilder, column: string, range: TimeRange | undefined): void {
  if (range?.from !== undefined) q.where(column, '>=', range.from);
  if (range?.to !== undefined) q.where(column, '<', range.to);
}

/**
 * The ticket with this tracking ID, or the one it was merged into (a merged ticket is not
 * listed): one IN over a set of at most two ids, which every database reads by key first (an
 * OR of two conditions became a subplan run per ticket on PostgreSQL).
 */
export function withTrackingId(db: Knex, q: Knex.QueryBuilder, trackingId: string): void {
  const ids = db('tickets')
    .select('id')
    .where('tracking_id', trackingId)
    .union((u) =>
      u.select('merged_into_id').from('tickets').where('tracking_id', trackingId).whereNotNull('merged_into_id'),
    );
  q.whereIn('t.id', db.select('ids.id').from(ids.as('ids')));
}

/** The ids of the customers with this address or an address starting so, from their address index. */
export const customersByAddress = (db: Knex, email: string) =>
  whereStartsWith(db.select('id').from('customers'), 'email', email);

export function applyFilter(db: Knex, q: Knex.QueryBuilder, f: TicketListFilter): Knex.QueryBuilder {
  q.whereNull('t.merged_into_id');
  if (f.categories !== 'all') q.whereIn('t.category_id', f.categories.length ? f.categories : [-1]);
  if (f.categoryId) q.where('t.category_id', f.categoryId);
  if (f.statusIds?.length) q.whereIn('t.status_id', f.statusIds);
  if (f.priorityId) q.where('t.priority_id', f.priorityId);
  if (f.tier) q.where('t.tier', f.tier);
  if (f.ids) q.whereIn('t.id', f.ids.length ? f.ids : [-1]);
  if (f.owner?.kind === 'unassigned') q.whereNull('t.owner_id');
  if (f.owner?.kind === 'staff') q.where('t.owner_id', f.owner.id);
  applyRange(q, 't.created_at', f.created);
  applyRange(q, 't.updated_at', f.updated);
  applyRange(q, 't.due_at', f.due);
  applyRange(q, 't.sla_due_at', f.sla);
  if (f.slaUnset) q.whereNull('t.sla_due_at');
  // Each tag through the (tag_id, ticket_id) index.
  for (const tagId of f.tagIds ?? [])
    q.whereIn('t.id', (tt) => tt.select('ticket_id').from('ticket_tags').where('tag_id', tagId));
  if (f.customerIds) q.whereIn('t.customer_id', f.customerIds.length ? f.customerIds : [-1]);
  if (f.replier) q.where('t.last_replier_type', f.replier.kind);
  if (f.replier?.kind === 'staff')
    q.where((w) =>
      f.replier?.kind === 'staff' && f.replier.id !== null
        ? w.where('t.last_replier_staff_id', f.replier.id)
        : w.whereNull('t.last_replier_staff_id'),
    );
  const s = f.search;
  if (s && !s.trackingId && !s.email && s.words.length === 0)
    q.whereRaw('1 = 0'); // nothing searchable typed
  else if (s) {
    q.where((w) => {
      if (s.trackingId) w.orWhere((byId) => withTrackingId(db, byId, s.trackingId!));
      // The customer's own index: an exact address, or the start of one (never '%…%').
      if (s.email) w.orWhereIn('t.customer_id', customersByAddress(db, s.email));
      if (s.words.length) {
        // One IN over one set of ids (a derived table), never two IN lists joined by OR: the
        // database then reads the matches and fetches those tickets by key, instead of testing
        // ticket after ticket in list order against both subqueries (seconds at a million).
        const ofCustomers = db
          .select('id as ticket_id')
          .from('tickets')
          .whereIn('customer_id', customerIdsMatching(db, s.words));
        w.orWhereIn(
          't.id',
          db.select('matches.ticket_id').from(ticketIdsMatching(db, s.words).union(ofCustomers).as('matches')),
        );
      }
    });
  }
  return q;
}

/** Whether a filter is narrow: read through its own index, its few matches sorted. */
export const isNarrow = (f: TicketListFilter): boolean =>
  Boolean(
    f.search ||
      f.ids ||
      f.customerIds ||
      f.tagIds?.length ||
      f.categoryId ||
      f.owner?.kind === 'staff' ||
      f.created?.from ||
      f.created?.to ||
      f.updated?.from ||
      f.updated?.to ||
      f.due?.from ||
      f.due?.to ||
      f.sla?.from ||
      f.sla?.to,
  );

/**
 * The indexes of the columns a plain filter (no search, ids, tags or customers) narrows by, and
 * the merged_into one that every list filters by (`merged_into_id IS NULL`): its capped count is
 * read through one of them on MySQL/MariaDB, never by a full scan. When a filter lets (nearly)
 * every ticket through, e.g. a staff member's every category and every status, MariaDB weighs a
 * range over the category index against a full scan as a near tie (within 0.1 %) that InnoDB's
 * sampled row count decides: over 3,000 test tickets an estimate of 3,007 rows gave the range
 * (and then the merged_into index), 2,991 the full scan, and one more nullable column
 * (`tickets.last_message_id`: one more byte of NULL flags per row, so other rows per page)
 * moved the estimate from one to the other; with 2,000 or 5,000 tickets it fell to the scan on
 * either schema. A list of a million tickets must not depend on which way such a tie falls.
 */
const filterIndexes = [
  'tickets_category_status_updated_idx',
  'tickets_owner_category_status_updated_idx',
  'tickets_owner_status_updated_idx',
  'tickets_status_updated_idx',
  'tickets_status_due_idx',
  'tickets_tier_status_updated_idx',
  'tickets_replier_status_updated_idx',
  'tickets_priority_updated_idx',
  'tickets_updated_idx',
  'tickets_due_idx',
  'tickets_status_sla_due_idx',
  'tickets_sla_due_idx',
  'tickets_merged_into_idx',
];

/** The tickets of a plain filter's page or count: through an index of the filter on MySQL/MariaDB (see `filterIndexes`). */
export function ticketsByFilterIndex(db: Knex, f: TicketListFilter): Knex.Raw | string {
  return !f.search && !f.ids && !f.tagIds?.length && !f.customerIds
    ? tableThroughIndexes(db, 'tickets', 't', filterIndexes)
    : 'tickets as t';
}
