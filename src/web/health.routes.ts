import { Router } from 'express';
import type { Db } from '../db/db';
import { pingDatabase } from '../db/ping';

/** /healthz: the process answers. /readyz: the database answers too (for load balancers). */
export function healthRoutes(db: Db | null): Router {
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
    if (await pingDatabase(db)) res.json({ status: 'ready' });
    else res.status(503).json({ status: 'database_unavailable' });
  });
  return router;
}
