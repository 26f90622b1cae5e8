import { Router, type Request, type Response } from 'express';
import { listAllCategories } from '../../categories/categories.repo';
import { listAllFields } from '../../custom-fields/fields-admin.repo';
import { ValidationError } from '../../errors';
import { listCalendars } from '../../sla/calendars.repo';
import { escalationActions } from '../../sla/escalation-plan';
import {
  addEscalationLevel,
  escalationLevelsForAdmin,
  removeEscalationLevel,
} from '../../sla/escalation-levels.service';
import { targetField } from '../../sla/policies.schema';
import { policyForAdmin, policyFormValues, removePolicy, savePolicy } from '../../sla/policies.service';
import { targetKinds, type Policy } from '../../sla/policy-match';
import { listPriorities } from '../../tickets/statuses.repo';
import type { Services } from '../app-services';
import { requireCapability } from '../auth/guards';
import { idParam } from '../params';
import { formSubmissionKey } from '../submission-key';
import { adminActorOf, formBody, keptForm } from './admin-actor';

/** /admin/sla/policies: response and resolution targets per priority, narrowed by conditions. */
export function slaPolicyRoutes(services: Services): Router {
  const router = Router();
  router.use('/sla/policies', requireCapability('sla.manage'));

  async function render(
    req: Request,
    res: Response,
    editing: Policy | null,
    values: Record<string, string | string[]>,
    errors: Record<string, string> = {},
    status = 200,
    level: { values: Record<string, string | string[]>; errors: Record<string, string> } = { values: {}, errors: {} },
  ) {
    const [priorities, calendars, categories, fields] = await Promise.all([
      listPriorities(services.db),
      listCalendars(services.db),
      listAllCategories(services.db),
      listAllFields(services.db),
    ]);
    const { levels, staff } = editing
      ? await escalationLevelsForAdmin(services.db, editing.id)
      : { levels: [], staff: [] };
    res.status(status).render('admin/sla-policy', {
      title: editing ? req.t('sla.policies.editTitle') : req.t('sla.policies.newTitle'),
      editing,
      values,
      errors,
      submissionKey: editing ? null : formSubmissionKey(values.submission_key),
      priorities,
      calendars,
      categories,
      fields,
      targetKinds,
      targetField,
      levels,
      staff,
      escalationActions,
      level,
      levelSubmissionKey: formSubmissionKey(level.values.submission_key),
      notice:
        typeof req.query.done === 'string' && ['levelAdded', 'levelRemoved'].includes(req.query.done)
          ? `slaEscalations.done.${req.query.done}`
          : null,
    });
  }

  router.get('/sla/policies/new', async (req, res) =>
    render(req, res, null, await policyFormValues(services.db, null)),
  );
  router.get('/sla/policies/:id', async (req, res) => {
    const policy = await policyForAdmin(services.db, idParam(req.params.id));
    await render(req, res, policy, await policyFormValues(services.db, policy));
  });

  const save = async (req: Request, res: Response, id: number | null) => {
    const editing = id === null ? null : await policyForAdmin(services.db, id);
    const body = formBody(req);
    try {
      await savePolicy(services.db, adminActorOf(req), id, body, services.clock.now());
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      return render(req, res, editing, keptForm(body), err.details ?? {}, 400);
    }
    res.redirect(303, '/admin/sla?done=policySaved');
  };
  router.post('/sla/policies', (req, res) => save(req, res, null));
  router.post('/sla/policies/:id', (req, res) => save(req, res, idParam(req.params.id)));
  router.post('/sla/policies/:id/delete', async (req, res) => {
    await removePolicy(services.db, adminActorOf(req), idParam(req.params.id), services.clock.now());
    res.redirect(303, '/admin/sla?done=policyRemoved');
  });

  // Escalation levels of a saved policy: added and removed one at a time, beside the policy form.
  router.post('/sla/policies/:id/escalations', async (req, res) => {
    const policy = await policyForAdmin(services.db, idParam(req.params.id));
    const body = formBody(req);
    try {
      await addEscalationLevel(services.db, adminActorOf(req), policy.id, body, services.clock.now());
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      return render(req, res, policy, await policyFormValues(services.db, policy), {}, 400, {
        values: keptForm(body),
        errors: err.details ?? {},
      });
    }
    res.redirect(303, `/admin/sla/policies/${policy.id}?done=levelAdded#escalations`);
  });
  router.post('/sla/policies/:id/escalations/:level/delete', async (req, res) => {
    const policyId = idParam(req.params.id);
    await removeEscalationLevel(
      services.db,
      adminActorOf(req),
      policyId,
      idParam(req.params.level),
      services.clock.now(),
    );
    res.redirect(303, `/admin/sla/policies/${policyId}?done=levelRemoved#escalations`);
  });
  return router;
}
