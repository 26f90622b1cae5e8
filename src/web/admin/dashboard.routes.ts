import { Router } from 'express';
import type { AppDeps } from '../app-deps';
import { readSetting } from '../../settings/settings.repo';

/** /admin: the landing page behind sign-in. The full dashboard comes with the staff workspace. */
export function dashboardRoutes(deps: AppDeps): Router {
  const router = Router();
  router.get('/', async (req, res) => {
    const helpdeskName = (await readSetting(deps.db, 'helpdesk.name')) as string | undefined;
    res.render('admin/dashboard', { title: req.t('admin.dashboard.title'), helpdeskName: helpdeskName ?? 'Tessera' });
  });
  return router;
}
