import { Router, type Request, type Response } from 'express';
import { listActiveFields } from '../../custom-fields/custom-fields.repo';
import { ValidationError } from '../../errors';
import { languages } from '../../i18n/i18n';
import { openTicketForCustomer, staffFieldsFor } from '../../tickets/staff-new-ticket.service';
import type { Services } from '../app-services';
import { requireCapability } from '../auth/guards';
import { keptTicketFormValues } from '../kept-values';
import { uploadedFiles } from '../middleware/multipart';
import { formSubmissionKey, sentSubmissionKey } from '../submission-key';
import { listContextFor } from './ticket-list.view';

const keptFields = ['name', 'email', 'category', 'priority', 'subject', 'message', 'notify', 'assign_me', 'language'];

const keptValues = (body: Record<string, unknown>) => keptTicketFormValues(body, keptFields);

/** /admin/tickets/new: staff open a ticket for a customer who phoned or walked in. */
export function newTicketRoutes(services: Services): Router {
  const router = Router();

  async function renderForm(
    req: Request,
    res: Response,
    values: Record<string, unknown>,
    errors: Record<string, string>,
    status = 200,
  ) {
    const [ctx, settings, allFields] = await Promise.all([
      listContextFor(services.db, req.user!),
      services.settings.all(),
      listActiveFields(services.db),
    ]);
    const fields = ctx.categories
      .flatMap((c) => staffFieldsFor(allFields, Number(c.id)))
      .filter((f, i, list) => list.findIndex((x) => x.id === f.id) === i);
    res.status(status).render('admin/ticket-new', {
      title: req.t('newTicket.title'),
      categories: ctx.categories,
      priorities: ctx.priorities,
      fields,
      languageChoices: languages,
      attachments: {
        maxCount: settings['attachments.maxCount'],
        maxSizeMb: settings['attachments.maxSizeMb'],
        types: settings['attachments.allowedTypes'],
      },
      values: { notify: 'yes', language: settings['helpdesk.language'], priority: 'normal', ...values },
      errors,
      submissionKey: formSubmissionKey(values.submission_key),
    });
  }

  // Opening a ticket writes (and may mail) to a customer in the help desk's name: its own capability.
  const mayCreate = requireCapability('tickets.create');
  router.get('/tickets/new', mayCreate, async (req, res) => {
    const email = typeof req.query.email === 'string' ? req.query.email.slice(0, 254) : '';
    await renderForm(
      req,
      res,
      { email, category: typeof req.query.category === 'string' ? req.query.category : '' },
      {},
    );
  });

  router.post('/tickets/new', mayCreate, async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const key = sentSubmissionKey(body.submission_key);
    try {
      const { ticket } = await openTicketForCustomer(
        { ...services, settings: await services.settings.all() },
        req.user!,
        { body, files: uploadedFiles(req), submissionKey: key },
      );
      res.redirect(303, `/admin/tickets/${ticket.id}?done=created`);
    } catch (err) {
      if (err instanceof ValidationError)
        return renderForm(req, res, { ...keptValues(body), submission_key: key }, err.details ?? {}, 400);
      throw err;
    }
  });
  return router;
}
