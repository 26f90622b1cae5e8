import { Router } from 'express';
import type { Services } from '../app-services';

/** /helpdesk: the customer home. Ticket forms and the knowledge base plug in here. */
export function helpdeskRoutes(services: Services): Router {
  const router = Router();
  router.get('/', async (req, res) => {
    const settings = await services.settings.all();
    res.render('helpdesk/home', { title: settings['helpdesk.name'], helpdeskName: settings['helpdesk.name'], serviceMessage: settings['portal.serviceMessage'] });
  });
  return router;
}
