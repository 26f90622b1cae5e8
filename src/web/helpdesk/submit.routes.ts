import { Router, type Request, type Response } from 'express';
import { listPublicCategories } from '../../categories/categories.repo';
import { listActiveFields } from '../../custom-fields/custom-fields.repo';
import { customerFieldsFor } from '../../custom-fields/field-values';
import { ValidationError } from '../../errors';
import { QuotaExceededError } from '../../security/reply-quota';
import { formShownToken } from '../../tickets/form-timing';
import { listPriorities } from '../../tickets/statuses.repo';
import { RefusedError, submitTicket, TooFastError } from '../../tickets/submission.service';
import type { Services } from '../app-services';
import { uploadedFiles } from '../middleware/multipart';
import { ensureFormBinding, formBindingOf } from '../middleware/form-binding';
import { kbSuggestTicket, recordKbSuggestionSubmitted } from '../../kb/kb-deflection.service';
import { grantTicketAccess } from './customer-access';
import { keptTicketFormValues } from '../kept-values';
import { formSubmissionKey, sentSubmissionKey } from '../submission-key';

const keptFields = ['name', 'email', 'email_confirm', 'category', 'priority', 'subject', 'message', 'answer'];

const keptValues = (body: Record<string, unknown>) => keptTicketFormValues(body, keptFields);

/** /helpdesk/tickets/new: the web form, and the page that shows the new tracking ID. */
export function submitRoutes(services: Services): Router {
  const router = Router();
  const secret = services.config.secrets.signing;

  async function renderForm(
    req: Request,
    res: Response,
    values: Record<string, unknown>,
    errors: Record<string, string>,
    status = 200,
    retryToken?: string,
  ) {
    const settings = await services.settings.all();
    const categories = await listPublicCategories(services.db);
    const selected = Number(values.category) || (categories.length === 1 ? Number(categories[0]!.id) : null);
    const allFields = await listActiveFields(services.db);
    const kbSuggest = settings['kb.enabled'] && settings['kb.suggestOnSubmit'];
    if (kbSuggest) ensureFormBinding(req, res);
    const fields = categories
      .flatMap((c) => customerFieldsFor(allFields, Number(c.id)))
      .filter((f, i, list) => list.findIndex((x) => x.id === f.id) === i);
    res.status(status).render('helpdesk/new-ticket', {
      title: req.t('submit.title'),
      brand: settings['helpdesk.name'],
      categories,
      selectedCategory: selected,
      fields: fields.map((f) => ({ ...f, shownFor: f.categoryIds })),
      priorities: settings['portal.customerPriority'] ? await listPriorities(services.db) : [],
      confirmEmail: settings['portal.confirmEmail'],
      question: settings['spam.question'],
      attachments: {
        maxCount: settings['attachments.maxCount'],
        maxSizeMb: settings['attachments.maxSizeMb'],
        types: settings['attachments.allowedTypes'],
      },
      values,
      errors,
      // After the "too fast" note: the second try, timed from the first showing (form-timing.ts).
      shown: retryToken ?? formShownToken(secret, services.clock.now()),
      submissionKey: formSubmissionKey(values.submission_key),
      kbSuggest,
      // Signed for this visitor: their suggestions count for the deflection numbers (kb-deflection.service).
      kbSuggestTicket: kbSuggest ? kbSuggestTicket(secret, formBindingOf(req), services.clock.now()) : '',
    });
  }

  router.get('/tickets/new', async (req, res) => {
    await renderForm(req, res, { category: typeof req.query.category === 'string' ? req.query.category : '' }, {});
  });

  router.post('/tickets/new', async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const key = sentSubmissionKey(body.submission_key);
    const binding = formBindingOf(req);
    try {
      const { ticket } = await submitTicket(
        { ...services, settings: await services.settings.all(), signingSecret: secret },
        {
          body,
          files: uploadedFiles(req),
          ip: req.ip ?? '',
          language: req.language || 'en',
          channel: 'web',
          submissionKey: key,
        },
      );
      // Shown knowledge-base suggestions and still submitted: not deflected.
      await recordKbSuggestionSubmitted(services.db, secret, binding, services.clock.now());
      await grantTicketAccess(req, ticket.id, services.clock.now(), { renewSession: false });
      res.redirect(303, `/helpdesk/tickets/${ticket.trackingId}/created`);
    } catch (err) {
      if (err instanceof ValidationError)
        return renderForm(
          req,
          res,
          { ...keptValues(body), submission_key: key },
          err.details ?? {},
          400,
          err instanceof TooFastError ? err.retryToken : undefined,
        );
      if (err instanceof QuotaExceededError) {
        res.set('Retry-After', String(err.retryAfterSeconds));
        return renderForm(req, res, { ...keptValues(body), submission_key: key }, { [err.field]: err.formError }, 429);
      }
      if (err instanceof RefusedError)
        return res.status(403).render('helpdesk/refused', { title: req.t('submit.refusedTitle') });
      throw err;
    }
  });

  return router;
}
