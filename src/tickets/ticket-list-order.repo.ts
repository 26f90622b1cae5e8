import type { Knex } from 'knex';
import { clientOf } from '../db/dialect';
import { tableInIndexOrder, tableInSortOrder } from '../db/order-index';
import type { SortKey } from './list-columns';
import { isNarrow, ticketsByFilterIndex, type TicketListFilter } from './ticket-list-filter.repo';

// In what order a staff list is read: the sort's index, its ORDER BY, or its parts (ticket-list.repo.ts reads the pages).

export type ListPage = { sort: SortKey; dir: 'asc' | 'desc'; offset: number; limit: number };

/**
 * The index whose order each index-ordered sort is (null: the table's own id order). The sorts
 * by a name (category, status, owner, customer, last replier) and by tier have none: no index
 * gives their order, their matches are sorted (see `orderOf`).
 */
export const sortIndexes: Partial<Record<SortKey, string | null>> = {
  updated: 'tickets_updated_idx',
  created: null,
  due: 'tickets_due_idx',
  sla: 'tickets_sla_due_idx',
  priority: 'tickets_priority_updated_idx',
  tracking: 'tickets_tracking_id_unique',
  subject: 'tickets_subject_idx',
};

/**
 * A broad list (statuses, categories, tier, priority: many matches) other than the default sort
 * is read in its sort index's order, so the first page comes after a few hundred rows; a narrow
 * one (an owner, one category, a tag, a search, a date range, chosen ids) is read through its
 * filter's index and its few matches are sorted (a due range through (status_id, due_at): walking
 * the due index from the oldest date would pass every closed ticket first). The default sort keeps its filter indexes,
 * which end in updated_at; a sort without an index (a name, the tier) lets the database pick its filter's index.
 * `narrowed`: the caller knows the matches are few (a search's source, or a capped count).
 */
export function ticketsFor(db: Knex, f: TicketListFilter, sort: SortKey, narrowed: boolean): Knex.Raw | string {
  const narrow = narrowed || isNarrow(f);
  // A batch of customers' tickets through the customer index (SQLite, without statistics, would read every open ticket).
  if (f.customerIds) return tableInIndexOrder(db, 'tickets', 't', 'tickets_customer_created_idx');
  if (sort === 'updated' && !narrow && everyCategoryByStatus(f))
    return tableInIndexOrder(
      db,
      'tickets',
      't',
      f.statusIds?.length ? 'tickets_status_updated_idx' : 'tickets_updated_idx',
    );
  if (walksSlaRange(f, sort, narrowed)) return tableInSortOrder(db, 'tickets', 't', 'tickets_sla_due_idx');
  const index = sortIndexes[sort];
  return sort === 'updated' || narrow || index === undefined
    ? ticketsByFilterIndex(db, f)
    : tableInSortOrder(db, 'tickets', 't', index);
}

/**
 * "Breached" or "due soon" in SLA order (the dashboard's links): the range is on the sort's own
 * column, and only running clocks set it (closed and paused tickets hold null, outside any
 * range), so walking `(sla_due_at)` over the range reads the matches already in order. SQLite
 * took `(status_id, sla_due_at)` and sorted every breached ticket for a page of 25 (bench/sla.ts).
 * Another narrow filter (a category, an owner, a search) keeps its own index.
 */
const walksSlaRange = (f: TicketListFilter, sort: SortKey, narrowed: boolean): boolean =>
  sort === 'sla' &&
  !narrowed &&
  (f.sla?.from !== undefined || f.sla?.to !== undefined) &&
  !isNarrow({ ...f, sla: undefined });

/**
 * Whether the page would be read along its sort's own index: walking it passes every ticket the
 * filter leaves out, so when a broad filter has few matches after all (a tier or a priority no
 * open ticket has: 0.7–2.7 s at a million) the list first counts them and, if few, sorts them.
 */
export const walksSortIndex = (f: TicketListFilter, sort: SortKey): boolean =>
  sort !== 'updated' && sortIndexes[sort] !== undefined && !isNarrow(f);

/**
 * An administrator's plain list (every category, at most a status filter): without statistics
 * SQLite took (status_id, due_at) as readily as (status_id, updated_at) and sorted every open
 * ticket (170 ms at a million); the updated index gives the newest page at once.
 */
const everyCategoryByStatus = (f: TicketListFilter): boolean =>
  f.categories === 'all' && !f.priorityId && !f.tier && (!f.owner || f.owner.kind === 'anyone');

/**
 * The list in SLA order without an SLA range: the tickets with a running clock first, walked along
 * `(sla_due_at)` over its non-null range (already in order, every row a running clock, so a page
 * of an open list comes after about its own length), then those without one (paused, closed, no
 * policy), by id. No clock sorts last both ways: sorted by SLA, the soonest due come first. Read
 * as one ORDER BY, "no value lowest" put every null first, and MariaDB walked the index through
 * the nulls (every closed ticket's) before the first due time.
 */
/** The first ORDER BY term of a list in SLA order read as one sorted query (a search): no clock last. */
export const noSlaLast = '(case when t.sla_due_at is null then 1 else 0 end)';

/** Whether the list holds only tickets with a running clock (an SLA range, or the parts' own filters). */
export const slaRanged = (f: TicketListFilter): boolean =>
  f.sla?.from !== undefined || f.sla?.to !== undefined || Boolean(f.slaUnset);

export async function* slaParts(f: TicketListFilter, dir: 'asc' | 'desc'): AsyncGenerator<Part> {
  yield { filter: { ...f, sla: { from: Number.MIN_SAFE_INTEGER } }, sort: 'sla', dir };
  yield { filter: { ...f, slaUnset: true }, sort: 'created', dir };
}

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
  if (sort === 'category')
    return (await idsByName(db, 'categories')).filter(
      (id) => (f.categories === 'all' || f.categories.includes(id)) && (!f.categoryId || f.categoryId === id),
    );
  if (sort === 'status')
    return (await idsByName(db, 'statuses')).filter((id) => !f.statusIds?.length || f.statusIds.includes(id));
  if (f.owner?.kind === 'staff') return [f.owner.id];
  return f.owner?.kind === 'unassigned' ? [null] : [null, ...(await idsByName(db, 'staff_users'))];
}

/** One part of a list read a part at a time: its tickets are these, read in this order. */
export type Part = { filter: TicketListFilter; sort: SortKey; dir: 'asc' | 'desc' };

/**
 * A ranked sort as parts: value after value in the sort's order, each read as that value's own
 * default list (newest update first, through the same filter indexes as the default list).
 */
async function* rankParts(
  db: Knex,
  f: TicketListFilter,
  sort: SortKey,
  dir: 'asc' | 'desc',
  extra: (v: number | null) => Partial<TicketListFilter> = rankedFilter[sort]!,
): AsyncGenerator<Part> {
  const values = sort === 'replier' ? [null, ...(await idsByName(db, 'staff_users'))] : await rankedValues(db, f, sort);
  for (const v of dir === 'asc' ? values : values.reverse())
    yield { filter: { ...f, ...extra(v) }, sort: 'updated', dir: 'desc' };
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
    const batch = (
      (await db('customers').select('id').orderByRaw(`${name} ${dir}, id ${dir}`).offset(offset).limit(size)) as Array<{
        id: number;
      }>
    ).map((r) => Number(r.id));
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
 * its first 1,000 rows. `count` is the list's capped count (`countTickets`).
 */
export async function partsOf(
  db: Knex,
  f: TicketListFilter,
  sort: SortKey,
  dir: 'asc' | 'desc',
  page: ListPage,
  count: (f: TicketListFilter, cap: number) => Promise<number>,
): Promise<AsyncIterable<Part> | null> {
  if (f.search || f.ids || f.customerIds || f.replier) return null;
  // Few matches (a tag, a date range) sort in one query: value by value would be a query per value.
  if (sort in rankedFilter) return (await count(f, 1000)) <= 1000 ? null : rankParts(db, f, sort, dir);
  if (sort !== 'customer' && sort !== 'replier') return null;
  // A narrow list's matches are spread thinly over the customers: deep pages of it sort at once.
  if ((isNarrow(f) && page.offset + page.limit > 1000) || (await count(f, 1000)) <= 1000) return null;
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
 * owner) is the lowest value everywhere: first ascending, last descending (PostgreSQL is told so);
 * but no running SLA clock is last both ways (see slaParts).
 */
export async function orderOf(db: Knex, sort: SortKey, dir: 'asc' | 'desc'): Promise<OrderTerm[]> {
  const client = clientOf(db);
  const newest: OrderTerm[] = [
    { sql: 't.updated_at', dir: 'desc' },
    { sql: 't.id', dir: 'desc' },
  ];
  const caseless = (col: string) =>
    client === 'sqlite' ? `${col} collate nocase` : client === 'postgres' ? `lower(${col})` : col;
  switch (sort) {
    case 'updated':
      return [
        { sql: 't.updated_at', dir },
        { sql: 't.id', dir },
      ];
    case 'created':
      return [{ sql: 't.id', dir }];
    // Priority is ordered like its index (priority_id, updated_at); the id makes every order total, for stable pages.
    case 'priority':
      return [
        { sql: 't.priority_id', dir },
        { sql: 't.updated_at', dir },
        { sql: 't.id', dir },
      ];
    case 'due':
      return [
        { sql: 't.due_at', dir, ...(client === 'postgres' ? { nulls: dir === 'asc' ? 'first' : 'last' } : {}) },
        { sql: 't.id', dir },
      ];
    // The soonest running SLA clock (issue 13). Tickets without one come last both ways: read as
    // parts (slaParts) or, in a search, after `noSlaLast`; so no NULLS clause (PostgreSQL walks its index either way).
    case 'sla':
      return [
        { sql: 't.sla_due_at', dir },
        { sql: 't.id', dir },
      ];
    case 'tracking':
      return [{ sql: 't.tracking_id', dir }]; // unique: a total order by itself, read from its unique index
    case 'subject':
      return [
        { sql: caseless('t.subject'), dir },
        { sql: 't.id', dir },
      ];
    case 'tier':
      return [{ sql: 't.tier', dir }, ...newest];
    case 'customer':
      return [{ sql: caseless('c.name'), dir }, { sql: 't.customer_id', dir }, ...newest];
    case 'replier':
      return [
        // Replies from the customer (awaiting the staff) before staff replies, each by the shown name.
        { sql: "(case when t.last_replier_type = 'customer' then 0 else 1 end)", dir },
        {
          sql: `(case when t.last_replier_type = 'customer' then 0 else ${await rankOf(db, 'staff_users', 't.last_replier_staff_id')} end)`,
          dir,
        },
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
