import { Router, type Request, type Response } from 'express';
import {
  categoryForAdmin,
  categoryFormChoices,
  categoryFormValues,
  listCategoriesForAdmin,
  saveCategory,
  setCategoryArchived,
} from '../../categories/categories.service';
import type { CategoryAdminRow } from '../../categories/categories.repo';
import { ValidationError } from '../../errors';
import type { Services } from '../app-services';
import { requireCapability } from '../auth/guards';
import { adminActorOf, defaultLanguageOf, formBody, keptForm } from './admin-actor';
import { idParam } from '../params';
import { doneNoticeKey } from '../done-notice';

/** /admin/categories: departments with their tier, visibility, routing rules and staff. */
export function categoryRoutes(services: Services): Router {
  const router = Router();
  router.use('/categories', requireCapability('settings.manage'));

  router.get('/categories', async (req, res) => {
    const [categories, choices] = await Promise.all([
      listCategoriesForAdmin(services.db),
      categoryFormChoices(services.db),
    ]);
    res.render('admin/categories', {
      title: req.t('catalog.categories.title'),
      categories,
      priorities: choices.priorities,
      notice: doneNoticeKey('catalog.done', req.query.done, ['saved', 'archived', 'restored']),
    });
  });

  async function renderForm(
    req: Request,
    res: Response,
    editing: CategoryAdminRow | null,
    values: Record<string, string | string[]>,
    errors: Record<string, string> = {},
    status = 200,
  ) {
    const choices = await categoryFormChoices(services.db);
    res.status(status).render('admin/category', {
      title: editing ? req.t('catalog.categories.editTitle') : req.t('catalog.categories.newTitle'),
      editing,
      values,
      errors,
      defaultLanguage: await defaultLanguageOf(services),
      priorities: choices.priorities,
      targets: choices.categories.filter((c) => !editing || Number(c.id) !== Number(editing.id)),
      staff: choices.staff,
    });
  }

  router.get('/categories/new', async (req, res) =>
    renderForm(req, res, null, categoryFormValues(null, [], await defaultLanguageOf(services))),
  );
  router.get('/categories/:id', async (req, res) => {
    const { category, staffIds } = await categoryForAdmin(services.db, idParam(req.params.id));
    await renderForm(req, res, category, categoryFormValues(category, staffIds, await defaultLanguageOf(services)));
  });

  const save = async (req: Request, res: Response, id: number | null) => {
    const editing = id === null ? null : (await categoryForAdmin(services.db, id)).category;
    const body = formBody(req);
    try {
      await saveCategory(
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
        { ...kept, staff: ([] as string[]).concat(kept.staff ?? []) },
        err.details ?? {},
        400,
      );
    }
    services.catalog.invalidate();
    res.redirect(303, '/admin/categories?done=saved');
  };
  router.post('/categories', (req, res) => save(req, res, null));
  router.post('/categories/:id', (req, res) => save(req, res, idParam(req.params.id)));
  for (const [action, archived] of [
    ['archive', true],
    ['restore', false],
  ] as const) {
    router.post(`/categories/:id/${action}`, async (req, res) => {
      await setCategoryArchived(services.db, adminActorOf(req), idParam(req.params.id), archived, services.clock.now());
      services.catalog.invalidate();
      res.redirect(303, `/admin/categories?done=${archived ? 'archived' : 'restored'}`);
    });
  }
  return router;
}
