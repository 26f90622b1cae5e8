import { Router, type Response } from 'express';
import { listActiveCategories } from '../../categories/categories.repo';
import { visibleCategoryIds } from '../../staff/category-access.repo';
import { listPriorities, listStatuses } from '../../tickets/statuses.repo';
import type { Services } from '../app-services';
import { requireTokenWith } from './bearer-auth';

/** The keys and ids the ticket endpoints take: statuses, priorities, and the categories in reach. */
export function staffCatalogApi(services: Services): Router {
  const router = Router();
  const view = requireTokenWith('tickets.view');
  // The names the staff pages show (in the Accept-Language language): one name per status.
  const staffNames = async (res: Response) =>
    services.catalog.namesFor(
      String(res.locals.lang ?? 'en'),
      await services.settings.get('helpdesk.language'),
      'staff',
    );
  router.get('/statuses', view, async (_req, res) => {
    const names = await staffNames(res);
    res.json({
      items: (await listStatuses(services.db)).map((s) => ({
        key: s.key,
        name: names.status(s.key, s.name),
        isOpen: Boolean(s.is_open),
      })),
    });
  });
  router.get('/priorities', view, async (_req, res) => {
    const names = await staffNames(res);
    res.json({
      items: (await listPriorities(services.db)).map((p) => ({ key: p.key, name: names.priority(p.key, p.name) })),
    });
  });
  router.get('/categories', view, async (req, res) => {
    const [all, visible] = await Promise.all([
      listActiveCategories(services.db),
      visibleCategoryIds(services.db, req.user!),
    ]);
    const inReach = all.filter((c) => visible === 'all' || visible.includes(Number(c.id)));
    res.json({
      items: inReach.map((c) => ({
        id: Number(c.id),
        name: c.name,
        tier: Number(c.tier),
        escalatesToId: c.escalate_to_id === null ? null : Number(c.escalate_to_id),
      })),
    });
  });
  return router;
}
