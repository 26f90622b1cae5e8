import type { Knex } from 'knex';
import { clientOf } from '../db/dialect';
import { checkableWords, ticketsMatchingAmong } from '../db/fulltext-check';
import { tableInIndexOrder, tableInSortOrder } from '../db/order-index';
import { applyFilter, isNarrow, type TicketListFilter } from './ticket-list-filter.repo';
import type { ListPage } from './ticket-list-order.repo';

/**
 * A word search in "created, newest first" order, without the engine: the tickets of the list's
 * other filters are read newest first by primary key, a batch at a time, and each batch is
 * checked for the words (db/fulltext-check.ts) until the page is full. A word in many tickets is
 * found after a few hundred of them, where the engine builds and sorts every match (at a million
 * tickets ~200,000 messages for a common word: seconds on MariaDB as installed). A rare word
 * would make the walk long: past `walkBudget` ids examined (narrow filters included), or as soon as the matches seen so far
 * say the page would need more, the walk gives up (null) and the engine answers, as before.
 */
// MariaDB as installed (buffer pool 128 MiB) needs 1.5–2.7 s for a word in ~0.1–0.5 % of a million tickets, where
// walking 16,000 tickets takes ~100–200 ms; SQLite's engine answers those in 20–35 ms (bench/RESULTS.md, r12-search).
export const walkBudget = (db: Knex): number => (clientOf(db) === 'mysql' ? 16_000 : 4000);
const firstBatch = 128;
const largestBatch = 1024;

/**
 * Whether this search may be walked: words only, newest first, words the check answers for
 * exactly, and no narrow filter beside them (an owner, one category, a tag, dates): the newest
 * tickets of a narrow filter are far apart along the primary key, so each batch would pass over
 * many others; its own index and the engine serve it as before.
 */
export function walkable(db: Knex, f: TicketListFilter, page: ListPage): boolean {
  const s = f.search;
  return Boolean(
    s &&
      !isNarrow({ ...f, search: undefined }) &&
      s.words.length > 0 &&
      !s.trackingId &&
      !s.email &&
      page.sort === 'created' &&
      page.dir === 'desc' &&
      checkableWords(db, s.words),
  );
}

export type Walked = {
  /** The matching ids in order, at most `want`. */
  ids: number[];
  /** True when every ticket was read and fewer than `want` matched: `ids` are then all the matches there are. */
  complete: boolean;
};

/** The first `want` matches of a walkable search, newest first, or null when the engine should answer. */
export async function newestMatches(
  db: Knex,
  f: TicketListFilter,
  want: number,
  budget = walkBudget(db),
): Promise<Walked | null> {
  const words = f.search?.words ?? [];
  const unsearched: TicketListFilter = { ...f, search: undefined };
  const found: number[] = [];
  // Id ranges, not a number of tickets that pass: a filter keeping 1 % of tickets must not scan 100 rows per ticket
  // it returns, so `read` and the budget count the ids a range covers (the rows examined; deleted ids only help).
  let below = Number((await db('tickets').max('id as top').first())?.top ?? 0) + 1;
  let read = 0;
  let span = firstBatch;
  for (;;) {
    const low = below - span;
    const q = applyFilter(db, db.from(byIdNewestFirst(db)).select('t.id'), unsearched).where('t.id', '<', below);
    if (low > 0) q.where('t.id', '>=', low);
    const ids = ((await q.orderBy('t.id', 'desc')) as Array<{ id: number }>).map((r) => Number(r.id));
    const hits = await ticketsMatchingAmong(db, ids, words);
    // A text the check cannot fold as the engine does: the whole search goes to the engine, so no page differs by path.
    if (!hits) return null;
    for (const id of ids) if (hits.has(id)) found.push(id);
    if (found.length >= want) break;
    if (low <= 1) return { ids: found, complete: true };
    read += span;
    below = low;
    // What the matches so far say the rest of the page costs: a rare word goes to the engine early.
    const projected = found.length === 0 ? Number.POSITIVE_INFINITY : (read * want) / found.length;
    if (read >= budget || (read >= 2 * firstBatch && projected > budget)) return null;
    span = Math.min(span * 2, largestBatch);
  }
  return { ids: found.slice(0, want), complete: false };
}

/** The tickets read backwards along the primary key, whatever other index a filter has (MariaDB would take a category index and sort). */
const byIdNewestFirst = (db: Knex) =>
  clientOf(db) === 'mysql'
    ? tableInSortOrder(db, 'tickets', 't', 'PRIMARY')
    : tableInIndexOrder(db, 'tickets', 't', null);
