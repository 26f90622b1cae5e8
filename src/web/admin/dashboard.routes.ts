import { Router } from 'express';
import { recentFailedCustomerMail } from '../../mail/failed-mail.repo';
import { countInboundMails } from '../../mail-intake/inbound.repo';
import { viewerCategories } from '../viewer-categories';
import { recentActivity } from '../../tickets/activity.repo';
import { queuesFor } from '../../tickets/queues.service';
import { formatTrackingId } from '../../tickets/tracking-id';
import { effectiveZone } from '../../tickets/zoned-time';
import type { Services } from '../app-services';
import { mailSendingView } from './mail-sending.view';
import { describeEvents } from './ticket-extras.view';

const activityWindowMs = 14 * 24 * 3600_000;

/**
 * /admin: the staff dashboard: whether mail is really sent, the queues with their (capped) counts,
 * linked to the list, the customer e-mails given up lately, and the latest activity.
 */
export function dashboardRoutes(services: Services): Router {
  const router = Router();
  router.get('/', async (req, res) => {
    const now = services.clock.now();
    const visible = await viewerCategories(services.db, req);
    const [queues, activity, failedMail, helpdeskName, tz, mailSending] = await Promise.all([
      queuesFor(services.db, req.user!, now, visible),
      recentActivity(services.db, visible, { since: now - activityWindowMs, limit: 15 }),
      recentFailedCustomerMail(services.db, visible, { since: now - activityWindowMs, limit: 10 }),
      services.settings.get('helpdesk.name'),
      services.settings.get('helpdesk.timezone'),
      mailSendingView(services, req),
    ]);
    // Received mail kept aside is not tied to a category: only administrators, who may open the list, see the count.
    const failedInbound = req.user!.isAdmin ? await countInboundMails(services.db, 'failed', 999) : 0;
    // The same words as the ticket's history (one presenter): labels, names, dates, who did it.
    const described = await describeEvents(services, req, activity, effectiveZone(tz));
    res.render('admin/dashboard', {
      title: req.t('admin.dashboard.title'),
      helpdeskName,
      queues,
      activity: activity.map((a, i) => ({ ...a, ...described[i]!, trackingLabel: formatTrackingId(a.trackingId) })),
      failedMail: failedMail.map((f) => ({ ...f, trackingLabel: formatTrackingId(f.trackingId) })),
      failedInbound,
      tz,
      mailSending,
    });
  });
  return router;
}
