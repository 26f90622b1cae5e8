import type { Knex } from 'knex';
import { ticketIdsMatching } from '../db/fulltext';

export type TicketListFilter = {
  categories: number[] | 'all'; // what the viewer may see
  statusIds?: number[];
  priorityId?: number;
  categoryId?: number;
  owner?: { kind: 'anyone' } | { kind: 'unassigned' } | { kind: 'staff'; id: number };
  tier?: number;
  /** Only these tickets (a bulk action's selection). */
  ids?: number[];
  /** Full-text words (subject and messages), an exact tracking ID, or a customer's e-mail. */
  search?: { words: string[]; trackingId: string | null; email: string | null };
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
  dueAt: number | null;
  updatedAt: number;
};

export const sortColumns = { updated: 't.updated_at', created: 't.created_at', due: 't.due_at', priority: 't.priority_id' } as const;
export type SortKey = keyof typeof sortColumns;

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
  const s = f.search;
  if (s && !s.trackingId && !s.email && s.words.length === 0) q.whereRaw('1 = 0'); // nothing searchable typed
  else if (s) {
    q.where((w) => {
      if (s.trackingId) w.orWhere('t.tracking_id', s.trackingId);
      // The customer's own index: an exact address, or the start of one (never '%…%').
      if (s.email) w.orWhereIn('t.customer_id', (c) => c.select('id').from('customers').whereRaw("email LIKE ? ESCAPE '!'", [`${s.email!.replace(/[!%_]/g, '!$&')}%`]));
      if (s.words.length) w.orWhereIn('t.id', ticketIdsMatching(db, s.words));
    });
  }
  return q;
}

/**
 * One page of the staff ticket list. Each filter leads an index ending in updated_at, so the
 * newest page is read from the index; the details (customer, category...) are joined for the
 * page's rows only.
 */
export async function listTickets(db: Knex, f: TicketListFilter, page: { sort: SortKey; dir: 'asc' | 'desc'; offset: number; limit: number }): Promise<TicketListRow[]> {
  const ids = applyFilter(db, db('tickets as t').select('t.id'), f)
    .orderBy([{ column: sortColumns[page.sort], order: page.dir }, { column: 't.id', order: page.dir }])
    .offset(page.offset)
    .limit(page.limit);
  const idList: number[] = ((await ids) as Array<{ id: number }>).map((r) => Number(r.id));
  if (idList.length === 0) return [];
  const rows = await db('tickets as t')
    .join('customers as c', 'c.id', 't.customer_id')
    .join('categories as g', 'g.id', 't.category_id')
    .join('statuses as s', 's.id', 't.status_id')
    .join('priorities as p', 'p.id', 't.priority_id')
    .leftJoin('staff_users as o', 'o.id', 't.owner_id')
    .whereIn('t.id', idList)
    .select('t.id', 't.tracking_id', 't.subject', 'c.name as customer_name', 'c.email as customer_email', 'g.name as category_name', 't.tier', 's.key as status_key', 's.name as status_name', 'p.key as priority_key', 'p.name as priority_name', 'o.name as owner_name', 't.last_replier_type', 't.due_at', 't.updated_at');
  const byId = new Map<number, Record<string, unknown>>((rows as Array<Record<string, unknown>>).map((r) => [Number(r.id), r]));
  return idList.map((id) => byId.get(id)!).map((r) => ({
    id: Number(r.id),
    trackingId: String(r.tracking_id),
    subject: String(r.subject),
    customerName: String(r.customer_name),
    customerEmail: String(r.customer_email),
    categoryName: String(r.category_name),
    tier: Number(r.tier),
    statusKey: String(r.status_key),
    statusName: String(r.status_name),
    priorityKey: String(r.priority_key),
    priorityName: String(r.priority_name),
    ownerName: r.owner_name == null ? null : String(r.owner_name),
    lastReplierType: String(r.last_replier_type),
    dueAt: r.due_at == null ? null : Number(r.due_at),
    updatedAt: Number(r.updated_at),
  }));
}

/** How many tickets match, counted up to a cap: "1,000+" needs no scan of a million rows. */
export async function countTickets(db: Knex, f: TicketListFilter, cap: number): Promise<number> {
  const inner = applyFilter(db, db('tickets as t').select(db.raw('1')), f).limit(cap + 1);
  const [row] = await db.from(inner.as('capped')).count<{ n: number }[]>({ n: '*' });
  return Number(row?.n ?? 0);
}
