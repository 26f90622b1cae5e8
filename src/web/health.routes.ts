import { Router } from 'express';
import type { Db } from '../db/db';
import { checkReadiness } from '../db/ping';

/** How long /readyz waits for the database: load balancers give a check a second or two. */
export const readinessTimeoutMs = 1000;

/**
 * /healthz: the process answers. /readyz: requests can be served too (the database answers a
 * read of the sessions table within a second), for load balancers.
 */
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
    const readiness = await checkReadiness(db, readinessTimeoutMs);
    if (readiness === 'ready') res.json({ status: 'ready' });
    else res.status(503).json({ status: readiness === 'timeout' ? 'database_timeout' : 'database_unavailable' });
  });
  return router;
}
