import { Router, type Request, type Response } from 'express';
import { listAllCategories } from '../../categories/categories.repo';
import { ValidationError } from '../../errors';
import { listCalendars, type CalendarRow } from '../../sla/calendars.repo';
import { weekdayFields } from '../../sla/calendars.schema';
import { calendarForAdmin, calendarFormValues, removeCalendar, saveCalendar } from '../../sla/calendars.service';
import { listAllFields } from '../../custom-fields/fields-admin.repo';
import { listPolicies } from '../../sla/policies.repo';
import { targetKinds } from '../../sla/policy-match';
import { listPriorities } from '../../tickets/statuses.repo';
import { effectiveZone } from '../../tickets/zoned-time';
import type { Services } from '../app-services';
import { requireCapability } from '../auth/guards';
import { idParam } from '../params';
import { formSubmissionKey } from '../submission-key';
import { adminActorOf, formBody, keptForm } from './admin-actor';
import { timeZones } from './settings.form';
import { slaPolicyRoutes } from './sla-policies.routes';
import { slaSatisfactionRoutes } from './sla-satisfaction.routes';

const notices = ['calendarSaved', 'calendarRemoved', 'policySaved', 'policyRemoved'];

/** /admin/sla: business-hours calendars and SLA policies. */
export function slaRoutes(services: Services): Router {
  const router = Router();
  router.use('/sla', requireCapability('sla.manage'));
  router.use(slaPolicyRoutes(services));
  router.use(slaSatisfactionRoutes(services));

  router.get('/sla', async (req, res) => {
    const [calendars, categories, policies, priorities, fields] = await Promise.all([
      listCalendars(services.db),
      listAllCategories(services.db),
      listPolicies(services.db),
      listPriorities(services.db),
      listAllFields(services.db),
    ]);
    res.render('admin/sla', {
      title: req.t('sla.title'),
      calendars,
      categories,
      policies,
      priorities,
      fields,
      targetKinds,
      weekdayFields,
      notice:
        typeof req.query.done === 'string' && notices.includes(req.query.done) ? `sla.done.${req.query.done}` : null,
    });
  });

  async function renderCalendar(
    req: Request,
    res: Response,
    editing: CalendarRow | null,
    values: Record<string, string | string[]>,
    errors: Record<string, string> = {},
    status = 200,
  ) {
    res.status(status).render('admin/sla-calendar', {
      title: editing ? req.t('sla.calendars.editTitle') : req.t('sla.calendars.newTitle'),
      editing,
      values,
      errors,
      submissionKey: editing ? null : formSubmissionKey(values.submission_key),
      weekdayFields,
      zones: timeZones(),
      categories: await listAllCategories(services.db),
    });
  }

  const deskZone = async () => effectiveZone(String(await services.settings.get('helpdesk.timezone')));
  router.get('/sla/calendars/new', async (req, res) =>
    renderCalendar(req, res, null, calendarFormValues(null, await deskZone())),
  );
  router.get('/sla/calendars/:id', async (req, res) => {
    const calendar = await calendarForAdmin(services.db, idParam(req.params.id));
    await renderCalendar(req, res, calendar, calendarFormValues(calendar, await deskZone()));
  });

  const save = async (req: Request, res: Response, id: number | null) => {
    const editing = id === null ? null : await calendarForAdmin(services.db, id);
    const body = formBody(req);
    try {
      await saveCalendar(services.db, adminActorOf(req), id, body, services.clock.now());
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      const kept = keptForm(body);
      return renderCalendar(
        req,
        res,
        editing,
        { ...kept, categories: ([] as string[]).concat(kept.categories ?? []) },
        err.details ?? {},
        400,
      );
    }
    res.redirect(303, '/admin/sla?done=calendarSaved');
  };
  router.post('/sla/calendars', (req, res) => save(req, res, null));
  router.post('/sla/calendars/:id', (req, res) => save(req, res, idParam(req.params.id)));
  router.post('/sla/calendars/:id/delete', async (req, res) => {
    const id = idParam(req.params.id);
    try {
      await removeCalendar(services.db, adminActorOf(req), id, services.clock.now());
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      const calendar = await calendarForAdmin(services.db, id);
      return renderCalendar(req, res, calendar, calendarFormValues(calendar, await deskZone()), err.details ?? {}, 400);
    }
    res.redirect(303, '/admin/sla?done=calendarRemoved');
  });
  return router;
}
