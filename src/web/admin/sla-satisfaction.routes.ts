import { Router } from 'express';
import { satisfactionOverDays } from '../../csat/csat.service';
import type { Services } from '../app-services';
import { requireCapability } from '../auth/guards';

const periods = [30, 90, 365] as const;

/** /admin/sla/satisfaction: the survey's figures per staff member and per category (a page now; charts come with reports). */
export function slaSatisfactionRoutes(services: Services): Router {
  const router = Router();
  router.get('/sla/satisfaction', requireCapability('sla.manage'), async (req, res) => {
    const days = periods.find((p) => String(p) === req.query.days) ?? 30;
    const figures = await satisfactionOverDays(services, days);
    res.render('admin/sla-satisfaction', { title: req.t('csat.admin.title'), days, periods, ...figures });
  });
  return router;
}
