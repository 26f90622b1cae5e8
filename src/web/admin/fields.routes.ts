import { Router, type Request, type Response } from 'express';
import { listCategoriesForAdmin } from '../../categories/categories.service';
import type { FieldAdminRow } from '../../custom-fields/fields-admin.repo';
import {
  fieldForAdmin,
  fieldFormValues,
  fieldTypes,
  listFieldsForAdmin,
  saveField,
  setFieldRemoved,
} from '../../custom-fields/fields-admin.service';
import { ValidationError } from '../../errors';
import type { Services } from '../app-services';
import { requireCapability } from '../auth/guards';
import { adminActorOf, defaultLanguageOf, formBody, keptForm } from './admin-actor';
import { idParam } from '../params';
import { doneNoticeKey } from '../done-notice';

/** /admin/fields: the custom fields of the ticket form and the staff ticket page. */
export function fieldRoutes(services: Services): Router {
  const router = Router();
  router.use('/fields', requireCapability('settings.manage'));

  router.get('/fields', async (req, res) => {
    const [fields, categories] = await Promise.all([
      listFieldsForAdmin(services.db),
      listCategoriesForAdmin(services.db),
    ]);
    res.render('admin/fields', {
      title: req.t('catalog.fields.title'),
      fields,
      categories,
      notice: doneNoticeKey('catalog.done', req.query.done, ['saved', 'removed', 'restored']),
    });
  });

  async function renderForm(
    req: Request,
    res: Response,
    editing: FieldAdminRow | null,
    values: Record<string, string | string[]>,
    errors: Record<string, string> = {},
    status = 200,
  ) {
    res.status(status).render('admin/field', {
      title: editing ? req.t('catalog.fields.editTitle') : req.t('catalog.fields.newTitle'),
      editing,
      values,
      errors,
      types: fieldTypes,
      categories: await listCategoriesForAdmin(services.db),
      defaultLanguage: await defaultLanguageOf(services),
    });
  }

  router.get('/fields/new', async (req, res) =>
    renderForm(req, res, null, fieldFormValues(null, await defaultLanguageOf(services))),
  );
  router.get('/fields/:id', async (req, res) => {
    const field = await fieldForAdmin(services.db, idParam(req.params.id));
    await renderForm(req, res, field, fieldFormValues(field, await defaultLanguageOf(services)));
  });
  const save = async (req: Request, res: Response, id: number | null) => {
    const editing = id === null ? null : await fieldForAdmin(services.db, id);
    const body = formBody(req);
    try {
      await saveField(
        services.db,
        adminActorOf(req),
        id,
        body,
        await defaultLanguageOf(services),
        services.clock.now(),
      );
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      const kept = keptForm(body);
      return renderForm(
        req,
        res,
        editing,
        { ...kept, categories: ([] as string[]).concat(kept.categories ?? []) },
        err.details ?? {},
        400,
      );
    }
    services.catalog.invalidate();
    res.redirect(303, '/admin/fields?done=saved');
  };
  router.post('/fields', (req, res) => save(req, res, null));
  router.post('/fields/:id', (req, res) => save(req, res, idParam(req.params.id)));
  for (const [action, removed] of [
    ['remove', true],
    ['restore', false],
  ] as const) {
    router.post(`/fields/:id/${action}`, async (req, res) => {
      await setFieldRemoved(services.db, adminActorOf(req), idParam(req.params.id), removed, services.clock.now());
      services.catalog.invalidate();
      res.redirect(303, `/admin/fields?done=${removed ? 'removed' : 'restored'}`);
    });
  }
  return router;
}
