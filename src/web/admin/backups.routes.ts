import { Router } from 'express';
import { backupOverview } from '../../backup/backup.service';
import { effectiveZone } from '../../tickets/zoned-time';
import type { Services } from '../app-services';
import { requireAdmin } from '../auth/guards';

/** /admin/backups: when `npm run backup` last ran, where its archive went and how big it was. Admins only. */
export function backupRoutes(services: Services): Router {
  const router = Router();
  router.get('/backups', requireAdmin, async (req, res) => {
    const tz = effectiveZone(await services.settings.get('helpdesk.timezone'));
    const overview = await backupOverview(services.db);
    res.render('admin/backups', { title: req.t('backups.title'), ...overview, tz });
  });
  return router;
}
