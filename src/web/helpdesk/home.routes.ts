import { Router } from 'express';
import type { Services } from '../app-services';
import { kbPopular } from '../../kb/kb-public.service';
import { forgotRoutes } from './forgot.routes';
import { kbReaderOf } from './kb-reader';
import { kbRoutes } from './kb.routes';
import { submitRoutes } from './submit.routes';
import { ticketRoutes } from './ticket.routes';

/** /helpdesk: the customer home, the ticket form and the customer's ticket pages. */
export function helpdeskRoutes(services: Services): Router {
  const router = Router();
  router.get('/', async (req, res) => {
    const settings = await services.settings.all();
    // With a knowledge base the home page leads with its search and the most read answers.
    const kb = settings['kb.enabled']
      ? { popular: await kbPopular(services.db, kbReaderOf(req, settings['helpdesk.language']), 5) }
      : null;
    res.render('helpdesk/home', {
      title: settings['helpdesk.name'],
      helpdeskName: settings['helpdesk.name'],
      serviceMessage: settings['portal.serviceMessage'],
      kb,
    });
  });
  router.use(kbRoutes(services));
  router.use(submitRoutes(services));
  router.use(ticketRoutes(services));
  router.use(forgotRoutes(services));
  return router;
}
