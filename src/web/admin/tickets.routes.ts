import { Router, type Request } from 'express';
import { listActiveCategories } from '../../categories/categories.repo';
import { visibleCategoryIds } from '../../staff/category-access.repo';
import { listActiveStaff } from '../../staff/staff.repo';
import { countTickets, listTickets, sortColumns, type SortKey, type TicketListFilter } from '../../tickets/ticket-list.repo';
import { listPriorities, listStatuses } from '../../tickets/statuses.repo';
import { searchWords } from '../../db/fulltext';
import { bulkChange, type BulkAction } from '../../tickets/staff-actions.service';
import { ticketsCsv } from '../../tickets/ticket-export';
import { formatTrackingId, parseTrackingId } from '../../tickets/tracking-id';
import { ValidationError } from '../../errors';
import type { Services } from '../app-services';

const pageSizes = [25, 50, 100];
const countCap = 1000;

const list = (v: unknown): string[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]).filter((x): x is string => typeof x === 'string').slice(0, 20);
const positive = (v: unknown): number | undefined => (typeof v === 'string' && /^\d{1,9}$/.test(v) && Number(v) > 0 ? Number(v) : undefined);

/** What a staff search means: a tracking ID, a customer's address (or its start), or words. */
function searchOf(text: string): NonNullable<TicketListFilter['search']> {
  const trackingId = parseTrackingId(text);
  if (trackingId) return { trackingId, email: null, words: [] };
  if (text.includes('@')) return { trackingId: null, email: text.toLowerCase().slice(0, 254), words: [] };
  return { trackingId: null, email: null, words: searchWords(text) };
}

/** /admin/tickets: the staff ticket list with filters, search, sorting and paging. */
export function ticketListRoutes(services: Services): Router {
  const router = Router();

  router.get('/tickets', async (req: Request, res) => {
    const me = req.user!;
    const [statuses, priorities, categories, staff, visible] = await Promise.all([
      listStatuses(services.db), listPriorities(services.db), listActiveCategories(services.db), listActiveStaff(services.db), visibleCategoryIds(services.db, me),
    ]);
    const q = req.query;
    const text = typeof q.q === 'string' ? q.q.trim().slice(0, 200) : '';
    const search = text ? searchOf(text) : undefined;
    const wantedStatuses = list(q.status);
    // A search looks through every status unless some are chosen; the plain list shows open ones.
    const statusIds = wantedStatuses.length
      ? statuses.filter((s) => wantedStatuses.includes(s.key)).map((s) => s.id)
      : search ? [] : statuses.filter((s) => s.is_open).map((s) => s.id);
    const ownerParam = typeof q.owner === 'string' ? q.owner : 'anyone';
    const owner: TicketListFilter['owner'] =
      ownerParam === 'me' ? { kind: 'staff', id: me.id } : ownerParam === 'unassigned' ? { kind: 'unassigned' } : positive(ownerParam) ? { kind: 'staff', id: positive(ownerParam)! } : { kind: 'anyone' };
    const filter: TicketListFilter = {
      categories: visible,
      statusIds,
      priorityId: priorities.find((p) => p.key === q.priority)?.id,
      categoryId: positive(q.category),
      owner,
      tier: ['1', '2', '3'].includes(String(q.tier)) ? Number(q.tier) : undefined,
      search,
    };
    const sort: SortKey = typeof q.sort === 'string' && q.sort in sortColumns ? (q.sort as SortKey) : 'updated';
    const dir = q.dir === 'asc' ? 'asc' : 'desc';
    const size = pageSizes.includes(Number(q.size)) ? Number(q.size) : 25;
    const pageNo = Math.min(positive(q.page) ?? 1, 400);
    const [rows, total] = await Promise.all([
      listTickets(services.db, filter, { sort, dir, offset: (pageNo - 1) * size, limit: size }),
      countTickets(services.db, filter, countCap),
    ]);
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(q)) for (const one of list(v)) if (k !== 'page') params.append(k, one);
    res.render('admin/tickets', {
      title: req.t('staffList.title'),
      rows: rows.map((r) => ({ ...r, trackingLabel: formatTrackingId(r.trackingId) })),
      total,
      totalCapped: total > countCap,
      pageNo,
      size,
      hasNext: total > pageNo * size,
      pageHref: (n: number) => `/admin/tickets?${new URLSearchParams([...params, ['page', String(n)]]).toString()}`,
      filters: { q: text, statuses: wantedStatuses.length ? wantedStatuses : search ? [] : statuses.filter((s) => s.is_open).map((s) => s.key), priority: String(q.priority ?? ''), category: String(positive(q.category) ?? ''), owner: ownerParam, tier: String(filter.tier ?? ''), sort, dir, size },
      statuses,
      priorities,
      categories: visible === 'all' ? categories : categories.filter((c) => visible.includes(Number(c.id))),
      staff,
      tz: await services.settings.get('helpdesk.timezone'),
      notice: typeof q.done === 'string' && ['bulk', 'bulkfailed', 'none'].includes(q.done) ? `staffList.done.${q.done}` : null,
    });
  });
  /** Bulk actions on the ticked rows: a change for each, or a CSV file of them. */
  router.post('/tickets/bulk', async (req: Request, res) => {
    const me = req.user!;
    const body = (req.body ?? {}) as Record<string, unknown>;
    const ids = [...new Set(list(body.ids).map(positive).filter((n): n is number => n !== undefined))].slice(0, 200);
    const value = typeof body.value === 'string' ? body.value : '';
    const actor = { id: me.id, name: me.name, isAdmin: me.isAdmin };
    if (ids.length === 0) return res.redirect(303, '/admin/tickets?done=none');
    if (body.action === 'export') {
      const rows = await listTickets(services.db, { categories: await visibleCategoryIds(services.db, me), ids }, { sort: 'updated', dir: 'desc', offset: 0, limit: ids.length });
      res.set('Content-Type', 'text/csv; charset=utf-8').set('Content-Disposition', 'attachment; filename="tickets.csv"').set('Cache-Control', 'no-store');
      return res.send(ticketsCsv(rows));
    }
    const action: BulkAction | null =
      body.action === 'status' ? { kind: 'status', value } : body.action === 'priority' ? { kind: 'priority', value } : body.action === 'owner' ? { kind: 'owner', value: value === '' ? null : (positive(value) ?? -1) } : null;
    if (!action) throw new ValidationError('Choose an action.');
    try {
      await bulkChange(services, actor, ids, action);
    } catch (err) {
      if (err instanceof ValidationError) return res.redirect(303, '/admin/tickets?done=bulkfailed');
      throw err;
    }
    res.redirect(303, '/admin/tickets?done=bulk');
  });
  return router;
}
