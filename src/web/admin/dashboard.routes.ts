import { Router } from 'express';
import { visibleCategoryIds } from '../../staff/category-access.repo';
import { recentActivity } from '../../tickets/activity.repo';
import { queuesFor } from '../../tickets/queues.service';
import { formatTrackingId } from '../../tickets/tracking-id';
import type { Services } from '../app-services';

const activityWindowMs = 14 * 24 * 3600_000;

/** /admin: the staff dashboard: the queues with their (capped) counts, linked to the list, and the latest activity. */
export function dashboardRoutes(services: Services): Router {
  const router = Router();
  router.get('/', async (req, res) => {
    const now = services.clock.now();
    const [queues, activity, helpdeskName, tz] = await Promise.all([
      queuesFor(services.db, req.user!, now),
      visibleCategoryIds(services.db, req.user!).then((visible) => recentActivity(services.db, visible, { since: now - activityWindowMs, limit: 15 })),
      services.settings.get('helpdesk.name'),
      services.settings.get('helpdesk.timezone'),
    ]);
    res.render('admin/dashboard', {
      title: req.t('admin.dashboard.title'),
      helpdeskName,
      queues,
      activity: activity.map((a) => ({ ...a, trackingLabel: formatTrackingId(a.trackingId), key: a.type.replace('.', '_') })),
      tz,
    });
  });
  return router;
}
