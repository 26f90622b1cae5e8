import type { Knex } from 'knex';
import { clientOf } from '../db/dialect';
import { mysqlMatchSources, type MatchSource } from '../db/fulltext';
import { tableInIndexOrder } from '../db/order-index';
import { sortColumns, sortKeys, type SortKey } from './list-columns';
import {
  applyFilter,
  customersByAddress,
  ticketsByFilterIndex,
  withTrackingId,
  type TicketListFilter,
  type TimeRange,
} from './ticket-list-filter.repo';
import {
  orderOf,
  partsOf,
  noSlaLast,
  slaParts,
  slaRanged,
  sortIndexes,
  ticketsFor,
  walksSortIndex,
  type ListPage,
  type Part,
} from './ticket-list-order.repo';
import { newestMatches, walkable } from './search-walk.repo';
import { rowsOfTickets, type KnownNames, type TicketListRow } from './ticket-list-rows.repo';

export {
  sortColumns,
  sortKeys,
  type KnownNames,
  type SortKey,
  type TicketListFilter,
  type TicketListRow,
  type TimeRange,
};

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
    ids.push(
      ...(await pageIds(db, part.filter, {
        sort: part.sort,
        dir: part.dir,
        offset: skip,
        limit: page.limit - ids.length,
      })),
    );
    skip = 0;
  }
  return ids;
}

/**
 * One page of the staff ticket list. Each filter leads an index ending in updated_at, so the
 * newest page is read from the index; the details (customer, category...) are joined for the
 * page's rows only.
 */
export async function listTickets(
  db: Knex,
  f: TicketListFilter,
  page: ListPage,
  few = false,
  known: KnownNames = {},
): Promise<TicketListRow[]> {
  return rowsOfTickets(db, await pageIds(db, f, page, undefined, few), known);
}

/** The ids of one page of the list, in its order; `only`: of one search source's matches. */
async function pageIds(
  db: Knex,
  f: TicketListFilter,
  page: ListPage,
  only?: MatchSource,
  few = false,
): Promise<number[]> {
  const parts = only
    ? null
    : page.sort === 'sla'
      ? slaRanged(f)
        ? null
        : slaParts(f, page.dir)
      : sortIndexes[page.sort] !== undefined
        ? null
        : await partsOf(db, f, page.sort, page.dir, page, (g, cap) => countTickets(db, g, cap));
  if (parts) return walkParts(db, parts, page);
  // A full-text source's MATCH needs its FULLTEXT index, which no list of indexes to read through may leave out.
  const tickets = only && !f.customerIds ? 'tickets as t' : ticketsFor(db, f, page.sort, Boolean(only) || few);
  const q = applyFilter(db, db.from(tickets).select('t.id'), f);
  only?.(q);
  if (page.sort === 'customer' || page.sort === 'replier') q.join('customers as c', 'c.id', 't.customer_id');
  if (page.sort === 'sla' && !slaRanged(f)) q.orderByRaw(noSlaLast);
  for (const term of await orderOf(db, page.sort, page.dir))
    q.orderByRaw(`${term.sql} ${term.dir}${term.nulls ? ` nulls ${term.nulls}` : ''}`);
  const ids = q.offset(page.offset).limit(page.limit);
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
export async function listAndCountTickets(
  db: Knex,
  f: TicketListFilter,
  page: ListPage,
  cap: number,
  walk = false,
  known: KnownNames = {},
): Promise<{ rows: TicketListRow[]; total: number; moreThan?: number }> {
  // `walk`: a search newest first may check the newest tickets instead (search-walk.repo.ts); its
  // count then says only "more than" the page's end.
  if (walk && walkable(db, f, page)) {
    const end = page.offset + page.limit;
    const walked = await newestMatches(db, f, end + 1);
    if (walked) {
      const rows = await rowsOfTickets(db, walked.ids.slice(page.offset, end), known);
      return walked.complete ? { rows, total: walked.ids.length } : { rows, total: end + 1, moreThan: end };
    }
  }
  if (!f.search) {
    if (walksSortIndex(f, page.sort)) {
      const total = await countTickets(db, f, cap);
      return { rows: await listTickets(db, f, page, total <= cap, known), total };
    }
    const [rows, total] = await Promise.all([listTickets(db, f, page, false, known), countTickets(db, f, cap)]);
    return { rows, total };
  }
  if (page.offset + page.limit <= cap + 1) {
    const first = await searchPageIds(db, f, { ...page, offset: 0, limit: cap + 1 });
    return {
      rows: await rowsOfTickets(db, first.slice(page.offset, page.offset + page.limit), known),
      total: first.length,
    };
  }
  const ids = await searchPageIds(db, f, { ...page, limit: page.limit + 1 });
  // Nothing this far: the count says where the results end.
  if (ids.length === 0) return { rows: [], total: await countTickets(db, f, cap) };
  return { rows: await rowsOfTickets(db, ids.slice(0, page.limit), known), total: page.offset + ids.length };
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
  const firstOfEach = await Promise.all(
    sources.map((only) => pageIds(db, unsearched, { ...page, offset: 0, limit: page.offset + page.limit }, only)),
  );
  const candidates = [...new Set(firstOfEach.flat())];
  if (candidates.length === 0) return [];
  return pageIds(db, { ...unsearched, ids: candidates }, page);
}

/** The chosen custom field values of one page of tickets, in one query keyed by the page's ids. */
export async function fieldValuesOfTickets(
  db: Knex,
  ticketIds: number[],
  fieldIds: number[],
): Promise<Map<number, Map<number, string>>> {
  const out = new Map<number, Map<number, string>>();
  if (ticketIds.length === 0 || fieldIds.length === 0) return out;
  const rows = await db('custom_field_values')
    .whereIn('ticket_id', ticketIds)
    .whereIn('field_id', fieldIds)
    .select<Array<{ ticket_id: number; field_id: number; value: string }>>('ticket_id', 'field_id', 'value');
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
  const tickets = f.customerIds
    ? tableInIndexOrder(db, 'tickets', 't', 'tickets_customer_created_idx')
    : ticketsByFilterIndex(db, f);
  const inner = applyFilter(db, db.from(tickets).select(db.raw('1')), f).limit(cap + 1);
  const [row] = await db.from(inner.as('capped')).count<{ n: number }[]>({ n: '*' });
  return Number(row?.n ?? 0);
}
