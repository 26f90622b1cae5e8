import { Router, type Request, type Response } from 'express';
import { listActiveFields } from '../../custom-fields/custom-fields.repo';
import { ForbiddenError, ValidationError } from '../../errors';
import { can } from '../../staff/capabilities';
import { visibleCategoryIds } from '../../staff/category-access.repo';
import { bulkDelete, bulkMerge, bulkMoveToCategory, oldestOf, workableTickets } from '../../tickets/bulk.service';
import { bulkChange, type BulkAction } from '../../tickets/staff-actions.service';
import { ticketsCsv } from '../../tickets/ticket-export';
import { fieldValuesOfTickets, listTickets } from '../../tickets/ticket-list.repo';
import { positiveId } from '../../tickets/list-query';
import { formatTrackingId } from '../../tickets/tracking-id';
import type { Services } from '../app-services';
import { listHrefFrom } from './tickets.routes';

const maxTicked = 200;
/** The ticked ids: at most 200, each a positive integer (anything else is dropped). */
function tickedIds(body: Record<string, unknown>): number[] {
  const raw: unknown[] = Array.isArray(body.ids) ? body.ids.slice(0, maxTicked) : [body.ids];
  return [...new Set(raw.map(positiveId).filter((n): n is number => n !== undefined))];
}

/**
 * The value of a bulk change. The list's select sends "action:value" ("status:closed", "owner:7",
 * "owner:" for nobody): a value of another action, or none chosen, is null (refused), so a
 * category id is never taken for an owner's. A bare value (a status key, an id: what a program or
 * a test posts) is taken for the action it comes with.
 */
function valueFor(action: unknown, raw: unknown): string | null {
  if (typeof raw !== 'string') return null;
  const colon = raw.indexOf(':');
  if (colon < 0) return raw === '' ? null : raw;
  return raw.slice(0, colon) === action ? raw.slice(colon + 1) : null;
}

/** Bulk actions on the ticked rows of the list: a change for each, a merge, a delete, or a CSV file. */
export function ticketBulkRoutes(services: Services): Router {
  const router = Router();
  const actorOf = (req: Request) => req.user!;
  const back = (req: Request, done: string) => {
    const href = listHrefFrom((req.body as Record<string, unknown>)?.back);
    return `${href}${href.includes('?') ? '&' : '?'}done=${done}`;
  };

  /** The confirmation page of a merge or a delete: the ticked tickets, and what will happen. */
  async function confirmPage(req: Request, res: Response, kind: 'merge' | 'delete', ids: number[]) {
    const tickets = (await workableTickets(services, actorOf(req), ids)).filter(
      (t) => kind === 'delete' || t.mergedIntoId === null,
    );
    if (kind === 'merge' && tickets.length < 2) return res.redirect(303, back(req, 'bulkfailed'));
    if (tickets.length === 0) return res.redirect(303, back(req, 'none'));
    res.render('admin/tickets-bulk-confirm', {
      title: req.t(kind === 'merge' ? 'ticketList.mergeTitle' : 'ticketList.deleteTitle'),
      kind,
      tickets: tickets.map((t) => ({ ...t, trackingLabel: formatTrackingId(t.trackingId) })),
      oldestId: oldestOf(tickets).id,
      back: listHrefFrom((req.body as Record<string, unknown>)?.back).split('?')[1] ?? '',
      errors: {},
    });
  }

  router.post('/tickets/bulk', async (req: Request, res) => {
    const me = actorOf(req);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const ids = tickedIds(body);
    const value = valueFor(body.action, body.value);
    if (ids.length === 0) return res.redirect(303, back(req, 'none'));
    if (body.action === 'export') {
      if (!can(me, 'tickets.export')) throw new ForbiddenError();
      const rows = await listTickets(
        services.db,
        { categories: await visibleCategoryIds(services.db, me), ids },
        { sort: 'updated', dir: 'desc', offset: 0, limit: ids.length },
      );
      // Every custom field gets a column, filled for the exported tickets in one query.
      const fields = await listActiveFields(services.db);
      const values = await fieldValuesOfTickets(
        services.db,
        rows.map((r) => r.id),
        fields.map((f) => f.id),
      );
      res
        .set('Content-Type', 'text/csv; charset=utf-8')
        .set('Content-Disposition', 'attachment; filename="tickets.csv"')
        .set('Cache-Control', 'no-store');
      return res.send(ticketsCsv(rows, fields, values));
    }
    if (body.action === 'merge') {
      if (!can(me, 'tickets.merge')) throw new ForbiddenError();
      return confirmPage(req, res, 'merge', ids);
    }
    if (body.action === 'delete') {
      if (!can(me, 'tickets.delete')) throw new ForbiddenError();
      return confirmPage(req, res, 'delete', ids);
    }
    try {
      if (value === null) throw new ValidationError('The value does not fit the action.');
      if (body.action === 'category') {
        await bulkMoveToCategory(services, me, ids, positiveId(value) ?? -1);
      } else {
        const action: BulkAction | null =
          body.action === 'status'
            ? { kind: 'status', value }
            : body.action === 'priority'
              ? { kind: 'priority', value }
              : body.action === 'owner'
                ? { kind: 'owner', value: value === '' ? null : (positiveId(value) ?? -1) }
                : null;
        if (!action) throw new ValidationError('Choose an action.');
        await bulkChange(services, me, ids, action);
      }
    } catch (err) {
      if (err instanceof ValidationError) return res.redirect(303, back(req, 'bulkfailed'));
      throw err;
    }
    res.redirect(303, back(req, 'bulk'));
  });

  router.post('/tickets/bulk/merge', async (req: Request, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const ids = tickedIds(body);
    if (body.confirm !== 'yes') return confirmPage(req, res, 'merge', ids);
    try {
      const target = await bulkMerge(services, actorOf(req), ids, positiveId(body.target) ?? null);
      res.redirect(303, `/admin/tickets/${target.id}?done=merged`);
    } catch (err) {
      if (err instanceof ValidationError) return res.redirect(303, back(req, 'bulkfailed'));
      throw err;
    }
  });

  router.post('/tickets/bulk/delete', async (req: Request, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const ids = tickedIds(body);
    if (body.confirm !== 'yes') {
      if (!can(actorOf(req), 'tickets.delete')) throw new ForbiddenError();
      return confirmPage(req, res, 'delete', ids);
    }
    const count = await bulkDelete(services, actorOf(req), ids);
    services.logger.info({ count, by: req.user!.email }, 'tickets deleted in bulk');
    res.redirect(303, back(req, 'deleted'));
  });
  return router;
}
