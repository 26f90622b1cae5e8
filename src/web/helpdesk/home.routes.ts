import { Router } from 'express';
import type { Services } from '../app-services';
import { forgotRoutes } from './forgot.routes';
import { submitRoutes } from './submit.routes';
import { ticketRoutes } from './ticket.routes';

/** /helpdesk: the customer home, the ticket form and the customer's ticket pages. */
export function helpdeskRoutes(services: Services): Router {
  const router = Router();
  router.get('/', async (req, res) => {
    const settings = await services.settings.all();
    res.render('helpdesk/home', { title: settings['helpdesk.name'], helpdeskName: settings['helpdesk.name'], serviceMessage: settings['portal.serviceMessage'] });
  });
  router.use(submitRoutes(services));
  router.use(ticketRoutes(services));
  router.use(forgotRoutes(services));
  return router;
}
