import { Router, type Request } from 'express';
import { fieldValuesOfTickets, listAndCountTickets } from '../../tickets/ticket-list.repo';
import { cleanColumns, defaultColumns, fieldColumn, fieldIdOf, sortColumns } from '../../tickets/list-columns';
import { listOf, readListQuery } from '../../tickets/list-query';
import { findListColumns, saveListColumns } from '../../tickets/list-prefs.repo';
import { tagsOfTickets } from '../../tags/tags.repo';
import { viewHref, viewsFor } from '../../saved-views/saved-views.service';
import { formatTrackingId } from '../../tickets/tracking-id';
import type { Services } from '../app-services';
import { activeFilterChips, listContextFor } from './ticket-list.view';
import { ticketBulkRoutes } from './ticket-bulk.routes';
import { savedViewRoutes } from './saved-views.routes';
import { newTicketRoutes } from './new-ticket.routes';
import { ticketTagRoutes } from './ticket-tags.routes';
import { ticketFollowerRoutes } from './ticket-followers.routes';
import { messageOriginalRoutes } from './message-original.routes';
import { ticketMailRoutes } from './ticket-mail.routes';

const countCap = 1000;
const notices = [
  'bulk',
  'bulkfailed',
  'none',
  'merged',
  'deleted',
  'columns',
  'viewsaved',
  'viewrenamed',
  'viewdeleted',
  'escalated',
];

/** A local path back to the list, from a form's hidden field (never another site). */
export function listHrefFrom(value: unknown): string {
  const query = typeof value === 'string' ? value.replace(/^\?/, '').slice(0, 4000) : '';
  return `/admin/tickets${query && !/[\r\n]/.test(query) ? `?${query}` : ''}`;
}

/** /admin/tickets: the staff ticket list with filters, search, columns, sorting, paging and saved views. */
export function ticketListRoutes(services: Services): Router {
  const router = Router();
  // Before /tickets/:id of the ticket page.
  router.use(
    newTicketRoutes(services),
    ticketBulkRoutes(services),
    savedViewRoutes(services),
    ticketTagRoutes(services),
    ticketFollowerRoutes(services),
    ticketMailRoutes(services),
    messageOriginalRoutes(services),
  );

  router.get('/tickets', async (req: Request, res) => {
    const me = req.user!;
    const [ctx, timeZone] = await Promise.all([
      listContextFor(services.db, me),
      services.settings.get('helpdesk.timezone'),
    ]);
    const fieldIds = ctx.fields.map((f) => f.id);
    const now = services.clock.now();
    const list = await readListQuery(services.db, req.query as Record<string, unknown>, {
      me,
      visible: ctx.visible,
      statuses: ctx.statuses,
      priorities: ctx.priorities,
      fieldIds,
      timeZone,
      now,
    });
    const columns =
      list.columns ?? cleanColumns((await findListColumns(services.db, me.id)) ?? [...defaultColumns], fieldIds);
    const bad = Object.keys(list.errors).length > 0;
    // A bad date shows the error and no list: a silently dropped filter would show the wrong tickets.
    const { rows, total, moreThan } = bad
      ? { rows: [], total: 0, moreThan: undefined }
      : await listAndCountTickets(
          services.db,
          list.filter,
          { sort: list.sort, dir: list.dir, offset: (list.page - 1) * list.size, limit: list.size },
          countCap,
          true,
          { statuses: ctx.statuses, priorities: ctx.priorities },
        );
    const ids = rows.map((r) => r.id);
    const shownFields = columns.map(fieldIdOf).filter((id): id is number => id !== null);
    const [tags, values, views] = await Promise.all([
      columns.includes('tags') ? tagsOfTickets(services.db, ids) : new Map(),
      fieldValuesOfTickets(services.db, ids, shownFields),
      viewsFor(services.db, me),
    ]);
    const query = list.query;
    const hrefWith = (extra: Array<[string, string]>) =>
      `/admin/tickets?${new URLSearchParams([...query, ...extra]).toString()}`;
    const sortHref = (key: string) => {
      const base = [...query].filter(([k]) => k !== 'sort' && k !== 'dir');
      const dir = list.sort === key && list.dir === 'desc' ? 'asc' : 'desc';
      return `/admin/tickets?${new URLSearchParams([...base, ['sort', key], ['dir', dir]]).toString()}`;
    };
    const currentView = views.find((v) => String(v.id) === req.query.view);
    res.status(bad ? 400 : 200).render('admin/tickets', {
      title: req.t('staffList.title'),
      rows: rows.map((r) => ({
        ...r,
        slaBreached: r.slaDueAt !== null && r.slaDueAt <= now,
        trackingLabel: formatTrackingId(r.trackingId),
        tags: (tags.get(r.id) ?? []).map((t: { name: string }) => t.name),
        fields: values.get(r.id) ?? new Map(),
      })),
      total,
      totalCapped: moreThan !== undefined || total > countCap,
      cappedAt: moreThan ?? countCap,
      pageNo: list.page,
      size: list.size,
      hasNext: total > list.page * list.size,
      pageHref: (n: number) => hrefWith([['page', String(n)]]),
      sortHref,
      sortable: Object.keys(sortColumns),
      filters: list.form,
      errors: list.errors,
      columns,
      fieldColumns: ctx.fields.map((f) => ({ key: fieldColumn(f.id), id: f.id, label: f.label })),
      listQuery: query.toString(),
      views: views.map((v) => ({
        ...v,
        href: viewHref(v),
        mine: v.ownerStaffId === me.id,
        editable: v.ownerStaffId === me.id || (v.shared && me.isAdmin),
      })),
      currentView: currentView ?? null,
      filterChips: activeFilterChips(query, ctx, req.t, res.locals.names.status),
      ...ctx,
      tz: timeZone,
      notice:
        typeof req.query.done === 'string' && notices.includes(req.query.done)
          ? `ticketList.done.${req.query.done}`
          : null,
    });
  });

  /** The column chooser: a plain form, remembered for this person in the database. */
  router.post('/tickets/columns', async (req: Request, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const ctx = await listContextFor(services.db, req.user!);
    const wanted = body.reset === 'yes' ? [...defaultColumns] : listOf(body.cols);
    await saveListColumns(
      services.db,
      req.user!.id,
      cleanColumns(
        wanted,
        ctx.fields.map((f) => f.id),
      ),
      services.clock.now(),
    );
    // Back to the same list, without a view's own columns (they would hide the new choice).
    const back = new URLSearchParams(listHrefFrom(body.back).split('?')[1] ?? '');
    back.delete('cols');
    back.delete('view');
    back.set('done', 'columns');
    res.redirect(303, `/admin/tickets?${back.toString()}`);
  });
  return router;
}
