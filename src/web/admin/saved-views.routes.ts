import { Router, type Request, type Response } from 'express';
import { ValidationError } from '../../errors';
import {
  canShareViews,
  removeView,
  renameView,
  saveView,
  viewForStaff,
  viewHref,
} from '../../saved-views/saved-views.service';
import type { Services } from '../app-services';
import { idParam } from '../params';

const idOf = (req: Request) => idParam(req.params.id);

/** Saved views of the ticket list: save the current list, rename or delete one's own. */
export function savedViewRoutes(services: Services): Router {
  const router = Router();

  /** The view's own page: its form with errors beside the fields (the list's small form has no room for them). */
  function formPage(
    req: Request,
    res: Response,
    page: {
      mode: 'save' | 'edit';
      id?: number;
      name: string;
      shared: boolean;
      query: string;
      errors: Record<string, string>;
    },
    status = 200,
  ) {
    res.status(status).render('admin/saved-view', {
      title: req.t(page.mode === 'save' ? 'savedViews.saveTitle' : 'savedViews.editTitle'),
      ...page,
      mayShare: canShareViews(req.user!),
    });
  }

  router.post('/tickets/views', async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    try {
      const id = await saveView(services.db, req.user!, body, services.clock.now());
      res.redirect(303, `${viewHref(await viewForStaff(services.db, req.user!, id))}&done=viewsaved`);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      const text = (k: string) => (typeof body[k] === 'string' ? (body[k] as string).slice(0, 4000) : '');
      formPage(
        req,
        res,
        {
          mode: 'save',
          name: text('name').slice(0, 200),
          shared: body.shared === 'yes',
          query: text('query'),
          errors: err.details ?? {},
        },
        400,
      );
    }
  });

  router.get('/tickets/views/:id', async (req, res) => {
    const view = await viewForStaff(services.db, req.user!, idOf(req));
    formPage(req, res, {
      mode: 'edit',
      id: view.id,
      name: view.name,
      shared: view.shared,
      query: view.query,
      errors: {},
    });
  });

  router.post('/tickets/views/:id/rename', async (req, res) => {
    const view = await viewForStaff(services.db, req.user!, idOf(req));
    try {
      await renameView(services.db, req.user!, view.id, req.body ?? {}, services.clock.now());
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      const name = typeof req.body?.name === 'string' ? req.body.name.slice(0, 200) : '';
      return formPage(
        req,
        res,
        { mode: 'edit', id: view.id, name, shared: view.shared, query: view.query, errors: err.details ?? {} },
        400,
      );
    }
    res.redirect(303, `${viewHref(view)}&done=viewrenamed`);
  });

  router.post('/tickets/views/:id/delete', async (req, res) => {
    await removeView(services.db, req.user!, idOf(req));
    res.redirect(303, '/admin/tickets?done=viewdeleted');
  });
  return router;
}
