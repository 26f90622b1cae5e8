import { Router } from 'express';
import type { AppDeps } from '../app-deps';
import { readSetting } from '../../settings/settings.repo';

/** /helpdesk: the customer home. Ticket forms and the knowledge base plug in here. */
export function helpdeskRoutes(deps: AppDeps): Router {
  const router = Router();
  router.get('/', async (req, res) => {
    const name = ((await readSetting(deps.db, 'helpdesk.name')) as string | undefined) ?? 'Tessera';
    res.render('helpdesk/home', { title: name, helpdeskName: name });
  });
  return router;
}
