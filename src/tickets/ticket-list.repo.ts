import type { Knex } from 'knex';
import { clientOf } from '../db/dialect';
import { customerIdsMatching, mysqlMatchSources, ticketIdsMatching, type MatchSource } from '../db/fulltext';
import { whereStartsWith } from '../db/like';
import { tableInIndexOrder } from '../db/order-index';
import { sortColumns, type SortKey } from './list-columns';

export { sortColumns, type SortKey };

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
  /** Tickets carrying every one of these tags. */
  tagIds?: number[];
};

export type TicketListRow = {
  id: number;
  trackingId: string;
  subject: string;
  customerName: string;
  customerEmail: string;
  categoryName: string;
  tier: number;
  statusKey: string;
  statusName: string;
  priorityKey: string;
  priorityName: string;
  ownerName: string | null;
  lastReplierType: string;
  lastReplierName: string | null;
  dueAt: number | null;
  createdAt: number;
  updatedAt: number;
};

function applyRange(q: Knex.QueryBuilder, column: string, range: TimeRange | undefined): void {
  if (range?.from !== undefined) q.where(column, '>=', range.from);
  if (range?.to !== undefined) q.where(column, '<', range.to);
}

/** The ids of the customers with this address or an address starting so, from their address index. */
const customersByAddress = (db: Knex, email: string) => whereStartsWith(db.select('id').from('customers'), 'email', email);

function applyFilter(db: Knex, q: Knex.QueryBuilder, f: TicketListFilter): Knex.QueryBuilder {
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
  // Each tag through the (tag_id, ticket_id) index.
  for (const tagId of f.tagIds ?? []) q.whereIn('t.id', (tt) => tt.select('ticket_id').from('ticket_tags').where('tag_id', tagId));
  const s = f.search;
  if (s && !s.trackingId && !s.email && s.words.length === 0) q.whereRaw('1 = 0'); // nothing searchable typed
  else if (s) {
    q.where((w) => {
      if (s.trackingId) w.orWhere('t.tracking_id', s.trackingId);
      // The customer's own index: an exact address, or the start of one (never '%…%').
      if (s.email) w.orWhereIn('t.customer_id', customersByAddress(db, s.email));
      if (s.words.length) {
        // One IN over one set of ids (a derived table), never two IN lists joined by OR: the
        // database then reads the matches and fetches those tickets by key, instead of testing
        // ticket after ticket in list order against both subqueries (seconds at a million).
        const ofCustomers = db.select('id as ticket_id').from('tickets').whereIn('customer_id', customerIdsMatching(db, s.words));
        w.orWhereIn('t.id', db.select('matches.ticket_id').from(ticketIdsMatching(db, s.words).union(ofCustomers).as('matches')));
      }
    });
  }
  return q;
}

/** A small lookup table (categories, statuses, priorities) by id. */
async function rowsById(db: Knex, table: 'categories' | 'statuses' | 'priorities', columns: string[]): Promise<Map<number, Record<string, unknown>>> {
  const rows = (await db(table).select(columns)) as Array<Record<string, unknown>>;
  return new Map(rows.map((r) => [Number(r.id), r]));
}

/** The index whose order each sort is (null: the table's own id order). */
const sortIndexes: Record<SortKey, string | null> = { updated: 'tickets_updated_idx', created: null, due: 'tickets_due_idx', priority: 'tickets_priority_updated_idx' };

/**
 * A broad list (statuses, categories, tier, priority: many matches) other than the default sort
 * is read in its sort index's order, so the first page comes after a few hundred rows; a narrow
 * one (an owner, one category, a tag, a search, a date range, chosen ids) is read through its
 * filter's index and its few matches are sorted (a due range through (status_id, due_at): walking
 * the due index from the oldest date would pass every closed ticket first). The default sort keeps its filter indexes,
 * which end in updated_at.
 */
function ticketsFor(db: Knex, f: TicketListFilter, sort: SortKey, searched: boolean): Knex.Raw | string {
  const narrow = Boolean(searched || f.search || f.ids || f.tagIds?.length || f.categoryId || f.owner?.kind === 'staff' || f.created?.from || f.created?.to || f.updated?.from || f.updated?.to || f.due?.from || f.due?.to);
  return sort === 'updated' || narrow ? 'tickets as t' : tableInIndexOrder(db, 'tickets', 't', sortIndexes[sort]);
}

/**
 * One page of the staff ticket list. Each filter leads an index ending in updated_at, so the
 * newest page is read from the index; the details (customer, category...) are joined for the
 * page's rows only.
 */
export async function listTickets(db: Knex, f: TicketListFilter, page: ListPage): Promise<TicketListRow[]> {
  return rowsOfTickets(db, await pageIds(db, f, page));
}

type ListPage = { sort: SortKey; dir: 'asc' | 'desc'; offset: number; limit: number };

/** The ids of one page of the list, in its order; `only`: of one search source's matches. */
async function pageIds(db: Knex, f: TicketListFilter, page: ListPage, only?: MatchSource): Promise<number[]> {
  const q = applyFilter(db, db.from(ticketsFor(db, f, page.sort, Boolean(only))).select('t.id'), f);
  only?.(q);
  const ids = q
    // Priority is ordered like its index (priority_id, updated_at); the id makes every order total, for stable pages.
    .orderBy([{ column: sortColumns[page.sort], order: page.dir }, ...(page.sort === 'priority' ? [{ column: 't.updated_at', order: page.dir }] : []), { column: 't.id', order: page.dir }])
    .offset(page.offset)
    .limit(page.limit);
  return ((await ids) as Array<{ id: number }>).map((r) => Number(r.id));
}

/**
 * One page of the list and how many tickets match, counted up to `cap` (a total above the cap
 * means "more than cap"). A full-text search finds its matches once: the first `cap + 1` ids in
 * list order come from one query, the page is cut from them and their number is the count. The
 * page query and the capped count each ran the whole full-text match before (twice the work;
 * at a million tickets ~190,000 messages for a common word). A page past the cap is read on its
 * own with one row more than the page, which says whether another page follows.
 */
export async function listAndCountTickets(db: Knex, f: TicketListFilter, page: ListPage, cap: number): Promise<{ rows: TicketListRow[]; total: number }> {
  if (!f.search) {
    const [rows, total] = await Promise.all([listTickets(db, f, page), countTickets(db, f, cap)]);
    return { rows, total };
  }
  if (page.offset + page.limit <= cap + 1) {
    const first = await searchPageIds(db, f, { ...page, offset: 0, limit: cap + 1 });
    return { rows: await rowsOfTickets(db, first.slice(page.offset, page.offset + page.limit)), total: first.length };
  }
  const ids = await searchPageIds(db, f, { ...page, limit: page.limit + 1 });
  // Nothing this far: the count says where the results end.
  if (ids.length === 0) return { rows: [], total: await countTickets(db, f, cap) };
  return { rows: await rowsOfTickets(db, ids.slice(0, page.limit)), total: page.offset + ids.length };
}

/**
 * One page of a search's ids. On MySQL/MariaDB each full-text index (subject, messages, field
 * values, customer names) and the tracking ID or address are searched side by side, each for its
 * own first `offset + limit` tickets in list order, and the union of those few is put in order
 * once more: every ticket of the page is among the first ones of a source it matches. One union
 * query read the indexes one after the other and sorted all of their matches (at a million
 * tickets 30–40 % slower for a common word; bench/RESULTS.md). SQLite has one connection, so
 * nothing would run side by side there, and PostgreSQL plans its union well.
 */
async function searchPageIds(db: Knex, f: TicketListFilter, page: ListPage): Promise<number[]> {
  const s = f.search;
  if (!s || clientOf(db) !== 'mysql') return pageIds(db, f, page);
  const sources: MatchSource[] = s.words.length ? mysqlMatchSources(db, s.words) : [];
  if (s.trackingId) sources.push((q) => q.where('t.tracking_id', s.trackingId));
  if (s.email) sources.push((q) => q.whereIn('t.customer_id', customersByAddress(db, s.email!)));
  const unsearched: TicketListFilter = { ...f, search: undefined };
  const firstOfEach = await Promise.all(sources.map((only) => pageIds(db, unsearched, { ...page, offset: 0, limit: page.offset + page.limit }, only)));
  const candidates = [...new Set(firstOfEach.flat())];
  if (candidates.length === 0) return [];
  return pageIds(db, { ...unsearched, ids: candidates }, page);
}

/** The list rows of these tickets, in the order given. */
async function rowsOfTickets(db: Knex, idList: number[]): Promise<TicketListRow[]> {
  if (idList.length === 0) return [];
  // The page's rows by primary key, with their customer and staff names. The small lookup
  // tables are read beside it, not joined: joined, MariaDB starts from the 4-row priorities table
  // and walks a whole ticket index per priority, or joins it through a join buffer.
  const [rows, categories, statuses, priorities] = await Promise.all([
    db('tickets as t')
      .join('customers as c', 'c.id', 't.customer_id')
      .leftJoin('staff_users as o', 'o.id', 't.owner_id')
      .leftJoin('staff_users as r', 'r.id', 't.last_replier_staff_id')
      .whereIn('t.id', idList)
      .select(
        't.id', 't.tracking_id', 't.subject', 'c.name as customer_name', 'c.email as customer_email', 't.category_id', 't.tier', 't.status_id',
        't.priority_id', 'o.name as owner_name', 't.last_replier_type', 'r.name as last_replier_name', 't.due_at', 't.created_at', 't.updated_at',
      ),
    rowsById(db, 'categories', ['id', 'name']),
    rowsById(db, 'statuses', ['id', 'key', 'name']),
    rowsById(db, 'priorities', ['id', 'key', 'name']),
  ]);
  const byId = new Map<number, Record<string, unknown>>((rows as Array<Record<string, unknown>>).map((r) => [Number(r.id), r]));
  return idList.map((id) => byId.get(id)!).map((r) => ({
    id: Number(r.id),
    trackingId: String(r.tracking_id),
    subject: String(r.subject),
    customerName: String(r.customer_name),
    customerEmail: String(r.customer_email),
    categoryName: String(categories.get(Number(r.category_id))?.name),
    tier: Number(r.tier),
    statusKey: String(statuses.get(Number(r.status_id))?.key),
    statusName: String(statuses.get(Number(r.status_id))?.name),
    priorityKey: String(priorities.get(Number(r.priority_id))?.key),
    priorityName: String(priorities.get(Number(r.priority_id))?.name),
    ownerName: r.owner_name == null ? null : String(r.owner_name),
    lastReplierType: String(r.last_replier_type),
    lastReplierName: r.last_replier_type === 'customer' ? String(r.customer_name) : r.last_replier_name == null ? null : String(r.last_replier_name),
    dueAt: r.due_at == null ? null : Number(r.due_at),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  }));
}

/** The chosen custom field values of one page of tickets, in one query keyed by the page's ids. */
export async function fieldValuesOfTickets(db: Knex, ticketIds: number[], fieldIds: number[]): Promise<Map<number, Map<number, string>>> {
  const out = new Map<number, Map<number, string>>();
  if (ticketIds.length === 0 || fieldIds.length === 0) return out;
  const rows = await db('custom_field_values').whereIn('ticket_id', ticketIds).whereIn('field_id', fieldIds).select<Array<{ ticket_id: number; field_id: number; value: string }>>('ticket_id', 'field_id', 'value');
  for (const r of rows) {
    const ticket = out.get(Number(r.ticket_id)) ?? new Map<number, string>();
    ticket.set(Number(r.field_id), r.value);
    out.set(Number(r.ticket_id), ticket);
  }
  return out;
}

/** How many tickets match, counted up to a cap: "1,000+" needs no scan of a million rows. */
export async function countTickets(db: Knex, f: TicketListFilter, cap: number): Promise<number> {
  const inner = applyFilter(db, db('tickets as t').select(db.raw('1')), f).limit(cap + 1);
  const [row] = await db.from(inner.as('capped')).count<{ n: number }[]>({ n: '*' });
  return Number(row?.n ?? 0);
}
