import { Router } from 'express';
import { auditLogPage } from '../../audit/audit-log.service';
import { effectiveZone } from '../../tickets/zoned-time';
import type { Services } from '../app-services';
import { requireAdmin } from '../auth/guards';

/** /admin/audit: the log of administrative changes, newest first, filtered and paged. Admins only. */
export function auditRoutes(services: Services): Router {
  const router = Router();
  router.get('/audit', requireAdmin, async (req, res) => {
    const tz = effectiveZone(await services.settings.get('helpdesk.timezone'));
    const page = await auditLogPage(services.db, req.query, {
      t: req.t,
      lang: String(res.locals.lang ?? 'en'),
      timeZone: tz,
    });
    const params = new URLSearchParams(Object.entries(page.query).filter(([, v]) => v !== ''));
    const olderParams = new URLSearchParams(params);
    if (page.next) olderParams.set('before', page.next);
    res.render('admin/audit', {
      title: req.t('auditLog.title'),
      ...page,
      tz,
      newestHref: `/admin/audit${params.size ? `?${params}` : ''}`,
      olderHref: page.next ? `/admin/audit?${olderParams}` : null,
    });
  });
  return router;
}
