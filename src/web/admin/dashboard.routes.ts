import { Router } from 'express';
import { queuesFor } from '../../tickets/queues.service';
import type { Services } from '../app-services';

/** /admin: the staff dashboard: the queues with their (capped) counts, linked to the list. */
export function dashboardRoutes(services: Services): Router {
  const router = Router();
  router.get('/', async (req, res) => {
    res.render('admin/dashboard', { title: req.t('admin.dashboard.title'), helpdeskName: await services.settings.get('helpdesk.name'), queues: await queuesFor(services.db, req.user!) });
  });
  return router;
}
