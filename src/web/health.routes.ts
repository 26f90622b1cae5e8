import { Router } from 'express';
import type { Knex } from 'knex';

/** /healthz: the process answers. /readyz: the database answers too (for load balancers). */
export function healthRoutes(db: Knex | null): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    res.set('Cache-Control', 'no-store');
    if (!db) {
      res.status(503).json({ status: 'not_installed' });
      return;
    }
    try {
      await db.raw('select 1');
      res.json({ status: 'ready' });
    } catch {
      res.status(503).json({ status: 'database_unavailable' });
    }
  });
  return router;
}
