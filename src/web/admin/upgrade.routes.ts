import { Router } from 'express';
import type { AppDeps } from '../app-deps';
import { requireAdmin } from '../auth/guards';
import { migrateLatest } from '../../db/migrate';
import { ConflictError } from '../../errors';
import type { SchemaStatus } from '../../db/schema-status';

/** /admin/upgrade: an admin applies the migrations this version of the code brings. */
export function upgradeRoutes(deps: AppDeps, status: SchemaStatus): Router {
  const router = Router();
  router.use('/upgrade', requireAdmin);

  router.get('/upgrade', async (req, res) => {
    const pending = await status.refresh();
    // Nothing left to apply (just upgraded, or nothing was pending): the page says so in its heading too.
    res.render('admin/upgrade', {
      title: req.t(pending.length === 0 ? 'upgrade.doneTitle' : 'upgrade.title'),
      pending,
      done: req.query.done === '1',
    });
  });

  router.post('/upgrade', async (req, res) => {
    let applied: string[];
    try {
      applied = await migrateLatest(deps.db);
    } catch (err) {
      // Another admin (or npm run migrate) is upgrading right now: knex holds its migration lock.
      if ((err as Error)?.name === 'MigrationLocked')
        throw new ConflictError('upgrade_running', 'An upgrade is already running.');
      throw err;
    } finally {
      await status.refresh().catch(() => undefined);
    }
    deps.logger.info({ applied, by: req.user?.email }, 'database upgraded');
    res.redirect(303, '/admin/upgrade?done=1');
  });
  return router;
}
