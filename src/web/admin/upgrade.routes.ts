import { Router } from 'express';
import type { AppDeps } from '../app-deps';
import { requireAdmin } from '../auth/guards';
import { migrateLatest } from '../../db/migrate';
import type { SchemaStatus } from '../../db/schema-status';

/** /admin/upgrade: an admin applies the migrations this version of the code brings. */
export function upgradeRoutes(deps: AppDeps, status: SchemaStatus): Router {
  const router = Router();
  router.use('/upgrade', requireAdmin);

  router.get('/upgrade', async (req, res) => {
    const pending = await status.pendingNow(0);
    res.render('admin/upgrade', { title: req.t('upgrade.title'), pending, done: req.query.done === '1' });
  });

  router.post('/upgrade', async (req, res) => {
    const applied = await migrateLatest(deps.db);
    status.forget();
    deps.logger.info({ applied, by: req.user?.email }, 'database upgraded');
    res.redirect(303, '/admin/upgrade?done=1');
  });
  return router;
}
