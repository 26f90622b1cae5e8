import type { Db } from '../db/db';
import { searchWords } from '../db/fulltext';
import { findTagsByNames } from '../tags/tags.repo';
import { normaliseTag } from '../tags/tags.service';
import { cleanColumns, isSortKey, type SortKey } from './list-columns';
import { dueSoonMs } from './queues.service';
import { zonedLocalToEpoch } from './zoned-time';
import type { TicketListFilter, TimeRange } from './ticket-list-filter.repo';
import { parseTrackingId } from './tracking-id';

export const pageSizes = [25, 50, 100];
export const maxPage = 400;
const dateKeys = ['created_from', 'created_to', 'updated_from', 'updated_to', 'due_from', 'due_to'] as const;
/** The parameters of the list a link or a saved view may carry, in the order they are written. */
const listKeys = [
  'q',
  'status',
  'owner',
  'category',
  'priority',
  'tier',
  'tag',
  ...dateKeys,
  'due',
  'sla',
  'sort',
  'dir',
  'size',
  'cols',
] as const;

/** A string or a list of strings from a query value; anything else (objects) is dropped. */
export const listOf = (v: unknown): string[] =>
  (Array.isArray(v) ? v : v === undefined ? [] : [v]).filter((x): x is string => typeof x === 'string').slice(0, 20);
export const positiveId = (v: unknown): number | undefined =>
  typeof v === 'string' && /^\d{1,9}$/.test(v) && Number(v) > 0 ? Number(v) : undefined;
const one = (v: unknown): string => (typeof v === 'string' ? v : '');

/** What a staff search means: a tracking ID, a customer's address (or its start), or words. */
export function searchOf(text: string): NonNullable<TicketListFilter['search']> {
  const trackingId = parseTrackingId(text);
  if (trackingId) return { trackingId, email: null, words: [] };
  if (text.includes('@')) return { trackingId: null, email: text.toLowerCase().slice(0, 254), words: [] };
  return { trackingId: null, email: null, words: searchWords(text) };
}

/**
 * Midnight at the start of a calendar day (YYYY-MM-DD) in the help desk's time zone, as epoch
 * ms; `null` for anything that is not a real date between the years 2000 and 2999.
 */
export function startOfDay(value: string, timeZone: string): number | null {
  const m = /^(\d{4})-\d{2}-\d{2}$/.exec(value);
  if (!m || Number(m[1]) < 2000 || Number(m[1]) > 2999) return null;
  return zonedLocalToEpoch(`${value}T00:00`, timeZone);
}

export type ListContext = {
  me: { id: number };
  visible: number[] | 'all';
  statuses: Array<{ id: number; key: string; is_open: boolean | number }>;
  priorities: Array<{ id: number; key: string }>;
  fieldIds: number[];
  timeZone: string;
  now: number;
};

export type ListRequest = {
  filter: TicketListFilter;
  sort: SortKey;
  dir: 'asc' | 'desc';
  size: number;
  page: number;
  /** Columns the link asked for (a saved view's), or null: the person's own choice applies. */
  columns: string[] | null;
  errors: Record<string, string>;
  /** The values to show in the filter form. */
  form: Record<(typeof listKeys)[number], string> & { statuses: string[]; tags: string[]; defaultSort: SortKey };
  /** The list's parameters, cleaned, without the page: for paging links, sort links and saved views. */
  query: URLSearchParams;
};

/** Reads the list's query string: every value checked, bad dates reported per field, unknown values dropped. */
export async function readListQuery(db: Db, q: Record<string, unknown>, ctx: ListContext): Promise<ListRequest> {
  const errors: Record<string, string> = {};
  const text = one(q.q).trim().slice(0, 200);
  const search = text ? searchOf(text) : undefined;
  const wantedStatuses = listOf(q.status).filter((k) => ctx.statuses.some((s) => s.key === k));
  const openKeys = ctx.statuses.filter((s) => s.is_open).map((s) => s.key);
  // A search looks through every status unless some are chosen; the plain list shows open ones.
  const statusKeys = wantedStatuses.length ? wantedStatuses : search ? [] : openKeys;
  const ownerParam = ['me', 'unassigned'].includes(one(q.owner)) || positiveId(q.owner) ? one(q.owner) : 'anyone';
  const owner: TicketListFilter['owner'] =
    ownerParam === 'me'
      ? { kind: 'staff', id: ctx.me.id }
      : ownerParam === 'unassigned'
        ? { kind: 'unassigned' }
        : positiveId(ownerParam)
          ? { kind: 'staff', id: positiveId(ownerParam)! }
          : { kind: 'anyone' };
  const ranges: Record<'created' | 'updated' | 'due', TimeRange> = { created: {}, updated: {}, due: {} };
  for (const key of dateKeys) {
    const value = one(q[key]).trim();
    if (!value) continue;
    const start = startOfDay(value, ctx.timeZone);
    if (start === null) {
      errors[key] = 'form.invalidDate';
      continue;
    }
    const [field, end] = key.split('_') as ['created' | 'updated' | 'due', 'from' | 'to'];
    // "to" includes the whole day: up to the next local midnight (found the same way, for DST days).
    if (end === 'from') ranges[field].from = start;
    else
      ranges[field].to =
        startOfDay(new Date(Date.parse(`${value}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10), ctx.timeZone) ??
        start + 86_400_000;
  }
  // The dashboard's due queues, relative to now (dates in the form are whole days).
  if (q.due === 'overdue') ranges.due = { ...ranges.due, to: Math.min(ranges.due.to ?? Infinity, ctx.now) };
  if (q.due === 'soon')
    ranges.due = {
      from: Math.max(ranges.due.from ?? 0, ctx.now),
      to: Math.min(ranges.due.to ?? Infinity, ctx.now + dueSoonMs),
    };
  // The SLA queues (issue 13): a running clock past its due time, or due within a day.
  const sla: TimeRange =
    q.sla === 'breached' ? { to: ctx.now } : q.sla === 'soon' ? { from: ctx.now, to: ctx.now + dueSoonMs } : {};
  for (const field of ['created', 'updated', 'due'] as const) {
    const r = ranges[field];
    if (r.from !== undefined && r.to !== undefined && r.from >= r.to)
      errors[`${field}_to`] ??= 'ticketList.errorDateOrder';
  }
  const tagNames = [
    ...new Set(
      listOf(q.tag)
        .flatMap((v) => v.split(','))
        .map(normaliseTag)
        .filter((n): n is string => n !== null),
    ),
  ].slice(0, 5);
  const tags = await findTagsByNames(db, tagNames);
  // An unknown tag matches nothing (rather than being ignored and showing everything).
  const tagIds = tagNames.map((n) => tags.find((t) => t.name === n)?.id ?? -1);
  const priority = ctx.priorities.find((p) => p.key === q.priority);
  const filter: TicketListFilter = {
    categories: ctx.visible,
    statusIds: ctx.statuses.filter((s) => statusKeys.includes(s.key)).map((s) => s.id),
    priorityId: priority?.id,
    categoryId: positiveId(q.category),
    owner,
    tier: ['1', '2', '3'].includes(one(q.tier)) ? Number(q.tier) : undefined,
    search,
    created: ranges.created,
    updated: ranges.updated,
    due: ranges.due,
    sla,
    tagIds,
  };
  // A typed word search opens newest first: that order is served by walking the newest tickets
  // (search-walk.repo.ts); "last updated" stays one click away, through the engine.
  const defaultSort: SortKey = search?.words.length ? 'created' : 'updated';
  const sort: SortKey = isSortKey(q.sort) ? q.sort : defaultSort;
  const dir = q.dir === 'asc' ? 'asc' : 'desc';
  const size = pageSizes.includes(Number(q.size)) ? Number(q.size) : 25;
  const page = Math.min(positiveId(q.page) ?? 1, maxPage);
  const wantedColumns = listOf(q.cols).flatMap((c) => c.split(','));
  const columns = wantedColumns.length ? cleanColumns(wantedColumns, ctx.fieldIds) : null;

  const form = {
    q: text,
    status: '',
    due: q.due === 'overdue' || q.due === 'soon' ? q.due : '',
    sla: q.sla === 'breached' || q.sla === 'soon' ? q.sla : '',
    owner: ownerParam,
    category: String(filter.categoryId ?? ''),
    priority: priority?.key ?? '',
    tier: String(filter.tier ?? ''),
    tag: tagNames.join(', '),
    ...(Object.fromEntries(dateKeys.map((k) => [k, one(q[k]).trim().slice(0, 10)])) as Record<
      (typeof dateKeys)[number],
      string
    >),
    sort,
    dir,
    size: String(size),
    cols: columns?.join(',') ?? '',
    statuses: statusKeys,
    tags: tagNames,
    defaultSort,
  };
  const query = new URLSearchParams();
  if (text) query.append('q', text);
  for (const s of wantedStatuses) query.append('status', s);
  if (ownerParam !== 'anyone') query.append('owner', ownerParam);
  for (const k of ['category', 'priority', 'tier'] as const) if (form[k]) query.append(k, form[k]);
  for (const n of tagNames) query.append('tag', n);
  for (const k of dateKeys) if (form[k] && !errors[k]) query.append(k, form[k]);
  if (form.due) query.append('due', form.due);
  if (form.sla) query.append('sla', form.sla);
  // A sort asked for is kept even where it is the default (a chip that drops the search keeps "created").
  if (isSortKey(q.sort)) query.append('sort', sort);
  if (dir !== 'desc') query.append('dir', dir);
  if (size !== 25) query.append('size', String(size));
  if (columns) query.append('cols', columns.join(','));
  return { filter, sort, dir, size, page, columns, errors, form, query };
}

/** A saved view's query: the list parameters only, cleaned the same way as the list reads them. */
export function listParamsOnly(raw: string): URLSearchParams {
  const input = new URLSearchParams(raw.slice(0, 4000));
  const out = new URLSearchParams();
  for (const key of listKeys) for (const v of input.getAll(key).slice(0, 20)) out.append(key, v.slice(0, 200));
  return out;
}
