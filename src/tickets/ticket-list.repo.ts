import type { Knex } from 'knex';
import { clientOf } from '../db/dialect';
import { customerIdsMatching, mysqlMatchSources, ticketIdsMatching, type MatchSource } from '../db/fulltext';
import { whereStartsWith } from '../db/like';
import { tableInIndexOrder } from '../db/order-index';
import { sortColumns, sortKeys, type SortKey } from './list-columns';

export { sortColumns, sortKeys, type SortKey };

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
  /** Internal, for the sorts by name read a part at a time: tickets of these customers. */
  customerIds?: number[];
  /** Internal, likewise: whose reply was the last (a staff member, or null: a deleted one). */
  replier?: { kind: 'customer' } | { kind: 'staff'; id: number | null };
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

/**
 * The ticket with this tracking ID, or the one it was merged into (a merged ticket is not
 * listed): one IN over a set of at most two ids, which every database reads by key first (an
 * OR of two conditions became a subplan run per ticket on PostgreSQL).
 */
function withTrackingId(db: Knex, q: Knex.QueryBuilder, trackingId: string): void {
  const ids = db('tickets').select('id').where('tracking_id', trackingId).union((u) => u.select('merged_into_id').from('tickets').where('tracking_id', trackingId).whereNotNull('merged_into_id'));
  q.whereIn('t.id', db.select('ids.id').from(ids.as('ids')));
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
  if (f.customerIds) q.whereIn('t.customer_id', f.customerIds.length ? f.customerIds : [-1]);
  if (f.replier) q.where('t.last_replier_type', f.replier.kind);
  if (f.replier?.kind === 'staff') q.where((w) => (f.replier?.kind === 'staff' && f.replier.id !== null ? w.where('t.last_replier_staff_id', f.replier.id) : w.whereNull('t.last_replier_staff_id')));
  const s = f.search;
  if (s && !s.trackingId && !s.email && s.words.length === 0) q.whereRaw('1 = 0'); // nothing searchable typed
  else if (s) {
    q.where((w) => {
      if (s.trackingId) w.orWhere((byId) => withTrackingId(db, byId, s.trackingId!));
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

/**
 * The index whose order each index-ordered sort is (null: the table's own id order). The sorts
 * by a name (category, status, owner, customer, last replier) and by tier have none: no index
 * gives their order, their matches are sorted (see `orderOf`).
 */
const sortIndexes: Partial<Record<SortKey, string | null>> = {
  updated: 'tickets_updated_idx', created: null, due: 'tickets_due_idx', priority: 'tickets_priority_updated_idx',
  tracking: 'tickets_tracking_id_unique', subject: 'tickets_subject_idx',
};

/**
 * A broad list (statuses, categories, tier, priority: many matches) other than the default sort
 * is read in its sort index's order, so the first page comes after a few hundred rows; a narrow
 * one (an owner, one category, a tag, a search, a date range, chosen ids) is read through its
 * filter's index and its few matches are sorted (a due range through (status_id, due_at): walking
 * the due index from the oldest date would pass every closed ticket first). The default sort keeps its filter indexes,
 * which end in updated_at; a sort without an index (a name, the tier) lets the database pick its filter's index.
 */
function ticketsFor(db: Knex, f: TicketListFilter, sort: SortKey, searched: boolean): Knex.Raw | string {
  const narrow = searched || isNarrow(f);
  // A batch of customers' tickets through the customer index (SQLite, without statistics, would read every open ticket).
  if (f.customerIds) return tableInIndexOrder(db, 'tickets', 't', 'tickets_customer_created_idx');
  if (sort === 'updated' && !narrow && everyCategoryByStatus(f)) return tableInIndexOrder(db, 'tickets', 't', f.statusIds?.length ? 'tickets_status_updated_idx' : 'tickets_updated_idx');
  const index = sortIndexes[sort];
  return sort === 'updated' || narrow || index === undefined ? 'tickets as t' : tableInIndexOrder(db, 'tickets', 't', index);
}

/**
 * An administrator's plain list (every category, at most a status filter): without statistics
 * SQLite took (status_id, due_at) as readily as (status_id, updated_at) and sorted every open
 * ticket (170 ms at a million); the updated index gives the newest page at once.
 */
const everyCategoryByStatus = (f: TicketListFilter): boolean => f.categories === 'all' && !f.priorityId && !f.tier && (!f.owner || f.owner.kind === 'anyone');

/** Whether a filter is narrow: read through its own index, its few matches sorted. */
const isNarrow = (f: TicketListFilter): boolean =>
  Boolean(f.search || f.ids || f.customerIds || f.tagIds?.length || f.categoryId || f.owner?.kind === 'staff' || f.created?.from || f.created?.to || f.updated?.from || f.updated?.to || f.due?.from || f.due?.to);

/**
 * The sorts by a small set of values (category, status, owner by their names, the tier), each
 * value as a filter: such a list is the default list of each value in turn.
 */
const rankedFilter: Partial<Record<SortKey, (v: number | null) => Partial<TicketListFilter>>> = {
  category: (v) => ({ categoryId: v! }),
  status: (v) => ({ statusIds: [v!] }),
  owner: (v) => ({ owner: v === null ? { kind: 'unassigned' } : { kind: 'staff', id: v } }),
  tier: (v) => ({ tier: v! }),
};

/** A small table's ids in the order of their names, caseless like every text sort, then id. */
const idsByName = async (db: Knex, table: string): Promise<number[]> =>
  ((await db(table).select('id').orderByRaw('lower(name), id')) as Array<{ id: number }>).map((r) => Number(r.id));

/** A ranked sort's values that the filter lets through, in ascending order (no owner lowest). */
async function rankedValues(db: Knex, f: TicketListFilter, sort: SortKey): Promise<Array<number | null>> {
  if (sort === 'tier') return f.tier ? [f.tier] : [1, 2, 3];
  if (sort === 'category') return (await idsByName(db, 'categories')).filter((id) => (f.categories === 'all' || f.categories.includes(id)) && (!f.categoryId || f.categoryId === id));
  if (sort === 'status') return (await idsByName(db, 'statuses')).filter((id) => !f.statusIds?.length || f.statusIds.includes(id));
  if (f.owner?.kind === 'staff') return [f.owner.id];
  return f.owner?.kind === 'unassigned' ? [null] : [null, ...(await idsByName(db, 'staff_users'))];
}

/** One part of a list read a part at a time: its tickets are these, read in this order. */
type Part = { filter: TicketListFilter; sort: SortKey; dir: 'asc' | 'desc' };

/**
 * One page of a list read part after part (parts in the list's order, each part's tickets all
 * before the next part's): the parts before the page's first are skipped by a count capped at
 * what is left to skip, then each part's page is read until the page is full.
 */
async function walkParts(db: Knex, parts: AsyncIterable<Part>, page: ListPage): Promise<number[]> {
  const ids: number[] = [];
  let skip = page.offset;
  const next = parts[Symbol.asyncIterator]();
  while (ids.length < page.limit) {
    const { value: part, done } = await next.next();
    if (done) break;
    if (skip > 0) {
      const n = await countTickets(db, part.filter, skip - 1);
      if (n < skip) {
        skip -= n;
        continue;
      }
    }
    ids.push(...(await pageIds(db, part.filter, { sort: part.sort, dir: part.dir, offset: skip, limit: page.limit - ids.length })));
    skip = 0;
  }
  return ids;
}

/**
 * A ranked sort as parts: value after value in the sort's order, each read as that value's own
 * default list (newest update first, through the same filter indexes as the default list).
 */
async function* rankParts(db: Knex, f: TicketListFilter, sort: SortKey, dir: 'asc' | 'desc', extra: (v: number | null) => Partial<TicketListFilter> = rankedFilter[sort]!): AsyncGenerator<Part> {
  const values = sort === 'replier' ? [null, ...(await idsByName(db, 'staff_users'))] : await rankedValues(db, f, sort);
  for (const v of dir === 'asc' ? values : values.reverse()) yield { filter: { ...f, ...extra(v) }, sort: 'updated', dir: 'desc' };
}

/**
 * The customers in name order (caseless, then id), a growing batch at a time, each batch a part
 * whose few matching tickets are sorted. A broad list has a match for most customers, so the
 * first page is in the first batch of 500.
 */
async function* customerParts(db: Knex, f: TicketListFilter, dir: 'asc' | 'desc'): AsyncGenerator<Part> {
  const client = clientOf(db);
  const name = client === 'sqlite' ? 'name collate nocase' : client === 'postgres' ? 'lower(name)' : 'name';
  for (let offset = 0, size = 500; ; offset += size, size = Math.min(size * 2, 8000)) {
    const batch = ((await db('customers').select('id').orderByRaw(`${name} ${dir}, id ${dir}`).offset(offset).limit(size)) as Array<{ id: number }>).map((r) => Number(r.id));
    if (batch.length === 0) return;
    yield { filter: { ...f, customerIds: batch }, sort: 'customer', dir };
  }
}

/** The tickets last replied to by their customer, by customer name; then staff replies, by staff name (a deleted author lowest). */
async function* replierParts(db: Knex, f: TicketListFilter, dir: 'asc' | 'desc'): AsyncGenerator<Part> {
  const customers = customerParts(db, { ...f, replier: { kind: 'customer' } }, dir);
  const staff = rankParts(db, f, 'replier', dir, (v) => ({ replier: { kind: 'staff', id: v } }));
  for (const part of dir === 'asc' ? [customers, staff] : [staff, customers]) yield* part;
}

/**
 * How a list sorted by a name or the tier is read: part after part (see `walkParts`) when that
 * beats sorting every match, else null (sorted in one query). Ranked sorts walk unless searched
 * or chosen by id; customer and last replier walk lists with more than 1,000 matches (fewer are
 * sorted at once: a few customers' batches would not find a page of them), a narrow list only for
 * its first 1,000 rows.
 */
async function partsOf(db: Knex, f: TicketListFilter, sort: SortKey, dir: 'asc' | 'desc', page: ListPage): Promise<AsyncIterable<Part> | null> {
  if (f.search || f.ids || f.customerIds || f.replier) return null;
  if (sort in rankedFilter) return rankParts(db, f, sort, dir);
  if (sort !== 'customer' && sort !== 'replier') return null;
  // A narrow list's matches are spread thinly over the customers: deep pages of it sort at once.
  if ((isNarrow(f) && page.offset + page.limit > 1000) || (await countTickets(db, f, 1000)) <= 1000) return null;
  return sort === 'customer' ? customerParts(db, f, dir) : replierParts(db, f, dir);
}

/** The sorts that order by a small lookup table's shown name, and that table. */
const rankedBy: Partial<Record<SortKey, { table: 'categories' | 'statuses' | 'staff_users'; column: string }>> = {
  category: { table: 'categories', column: 't.category_id' },
  status: { table: 'statuses', column: 't.status_id' },
  owner: { table: 'staff_users', column: 't.owner_id' },
  replier: { table: 'staff_users', column: 't.last_replier_staff_id' },
};

/**
 * A small table's rows in the order of their names as a CASE over the ticket's id column: 1, 2,
 * 3... in name order (ties by id), 0 for none (no owner, a staff reply whose author was deleted),
 * so "none" sorts lowest. The ids are integers read from the table, written into the SQL as such.
 */
async function rankOf(db: Knex, table: string, column: string): Promise<string> {
  const ids = await idsByName(db, table);
  if (ids.length === 0) return '0';
  return `(case ${column} ${ids.map((id, i) => `when ${Math.trunc(id)} then ${i + 1}`).join(' ')} else 0 end)`;
}

type OrderTerm = { sql: string; dir: 'asc' | 'desc'; nulls?: 'first' | 'last' };

/**
 * The ORDER BY of a page, every order total (the ticket id last). Index-ordered sorts follow
 * their index; the others (a name or the tier) sort their matches: by the shown value, then
 * newest update first, then id. Text sorts ignore case the same way on every database (SQLite
 * NOCASE, PostgreSQL lower(), MySQL/MariaDB its _ci collation). No value (no due date, no
 * owner) is the lowest value everywhere: first ascending, last descending (PostgreSQL is told so).
 */
async function orderOf(db: Knex, sort: SortKey, dir: 'asc' | 'desc'): Promise<OrderTerm[]> {
  const client = clientOf(db);
  const newest: OrderTerm[] = [{ sql: 't.updated_at', dir: 'desc' }, { sql: 't.id', dir: 'desc' }];
  const caseless = (col: string) => (client === 'sqlite' ? `${col} collate nocase` : client === 'postgres' ? `lower(${col})` : col);
  switch (sort) {
    case 'updated': return [{ sql: 't.updated_at', dir }, { sql: 't.id', dir }];
    case 'created': return [{ sql: 't.id', dir }];
    case 'priority': return [{ sql: 't.priority_id', dir }, { sql: 't.updated_at', dir }, { sql: 't.id', dir }];
    case 'due': return [{ sql: 't.due_at', dir, ...(client === 'postgres' ? { nulls: dir === 'asc' ? 'first' : 'last' } : {}) }, { sql: 't.id', dir }];
    case 'tracking': return [{ sql: 't.tracking_id', dir }]; // unique: a total order by itself, read from its unique index
    case 'subject': return [{ sql: caseless('t.subject'), dir }, { sql: 't.id', dir }];
    case 'tier': return [{ sql: 't.tier', dir }, ...newest];
    case 'customer': return [{ sql: caseless('c.name'), dir }, { sql: 't.customer_id', dir }, ...newest];
    case 'replier': return [
      // Replies from the customer (awaiting the staff) before staff replies, each by the shown name.
      { sql: "(case when t.last_replier_type = 'customer' then 0 else 1 end)", dir },
      { sql: `(case when t.last_replier_type = 'customer' then 0 else ${await rankOf(db, 'staff_users', 't.last_replier_staff_id')} end)`, dir },
      { sql: `(case when t.last_replier_type = 'customer' then ${caseless('c.name')} end)`, dir },
      { sql: "(case when t.last_replier_type = 'customer' then t.customer_id end)", dir },
      ...newest,
    ];
    default: {
      const ranked = rankedBy[sort]!;
      return [{ sql: await rankOf(db, ranked.table, ranked.column), dir }, ...newest];
    }
  }
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
  const parts = only || sortIndexes[page.sort] !== undefined ? null : await partsOf(db, f, page.sort, page.dir, page);
  if (parts) return walkParts(db, parts, page);
  const q = applyFilter(db, db.from(ticketsFor(db, f, page.sort, Boolean(only))).select('t.id'), f);
  only?.(q);
  if (page.sort === 'updated' || page.sort === 'created' || page.sort === 'priority' || (page.sort === 'due' && clientOf(db) !== 'postgres')) {
    // Priority is ordered like its index (priority_id, updated_at); the id makes every order total, for stable pages.
    q.orderBy([{ column: sortColumn[page.sort], order: page.dir }, ...(page.sort === 'priority' ? [{ column: 't.updated_at', order: page.dir }] : []), { column: 't.id', order: page.dir }]);
  } else {
    if (page.sort === 'customer' || page.sort === 'replier') q.join('customers as c', 'c.id', 't.customer_id');
    for (const term of await orderOf(db, page.sort, page.dir)) q.orderByRaw(`${term.sql} ${term.dir}${term.nulls ? ` nulls ${term.nulls}` : ''}`);
  }
  const ids = q.offset(page.offset).limit(page.limit);
  return ((await ids) as Array<{ id: number }>).map((r) => Number(r.id));
}

/** The column of the sorts written as before (their SQL, and so their plans, unchanged). */
const sortColumn = { created: 't.id', updated: 't.updated_at', due: 't.due_at', priority: 't.priority_id' } as const;

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
  if (s.trackingId) sources.push((q) => q.where((byId) => withTrackingId(db, byId, s.trackingId!)));
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
  // A batch of customers' tickets (sort by customer) through the customer index, as its page is (see `ticketsFor`).
  const tickets = f.customerIds ? tableInIndexOrder(db, 'tickets', 't', 'tickets_customer_created_idx') : 'tickets as t';
  const inner = applyFilter(db, db.from(tickets).select(db.raw('1')), f).limit(cap + 1);
  const [row] = await db.from(inner.as('capped')).count<{ n: number }[]>({ n: '*' });
  return Number(row?.n ?? 0);
}
