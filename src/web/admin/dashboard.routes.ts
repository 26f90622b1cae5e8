import { Router } from 'express';
import type { Services } from '../app-services';

/** /admin: the landing page behind sign-in. The full dashboard comes with the staff workspace. */
export function dashboardRoutes(services: Services): Router {
  const router = Router();
  router.get('/', async (req, res) => {
    res.render('admin/dashboard', { title: req.t('admin.dashboard.title'), helpdeskName: await services.settings.get('helpdesk.name') });
  });
  return router;
}
