import { Router } from 'express';
import { areasFor } from './admin-areas';

/** /admin/manage: the administration areas this staff member may open. */
export function manageRoutes(): Router {
  const router = Router();
  router.get('/manage', (req, res) => {
    res.render('admin/manage', { title: req.t('manage.title'), areas: areasFor(req.user) });
  });
  return router;
}
