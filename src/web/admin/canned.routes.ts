import { Router, type Request, type Response } from 'express';
import { cannedEditable, cannedForStaff, listCanned, removeCanned, saveCanned } from '../../canned/canned.service';
import type { Canned } from '../../canned/canned.repo';
import { ValidationError } from '../../errors';
import type { Services } from '../app-services';
import { idParam } from '../params';
import { doneNoticeKey } from '../done-notice';

const staffOf = (req: Request) => req.user!;

/** /admin/canned: shared and personal canned responses. */
export function cannedRoutes(services: Services): Router {
  const router = Router();

  async function render(
    req: Request,
    res: Response,
    editing: Canned | null,
    values: Record<string, string>,
    errors: Record<string, string> = {},
    status = 200,
  ) {
    const list = await listCanned(services.db, staffOf(req));
    res.status(status).render('admin/canned', {
      title: req.t('canned.title'),
      list: list.map((c) => ({ ...c, editable: cannedEditable(staffOf(req), c) })),
      editing,
      values,
      errors,
      notice: doneNoticeKey('canned.done', req.query.done, ['saved', 'deleted']),
    });
  }
  const text = (body: Record<string, unknown>, k: string) => (typeof body[k] === 'string' ? (body[k] as string) : '');

  router.get('/canned', (req, res) => render(req, res, null, { title: '', folder: '', body: '' }));
  router.get('/canned/:id', async (req, res) => {
    const c = await cannedForStaff(services.db, staffOf(req), idParam(req.params.id));
    await render(req, res, c, { title: c.title, folder: c.folder ?? '', body: c.body });
  });

  const save = async (req: Request, res: Response, id: number | null) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    try {
      await saveCanned(services.db, staffOf(req), id, body, services.clock.now());
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      const editing = id === null ? null : await cannedForStaff(services.db, staffOf(req), id);
      return render(
        req,
        res,
        editing,
        { title: text(body, 'title'), folder: text(body, 'folder'), body: text(body, 'body') },
        err.details ?? {},
        400,
      );
    }
    res.redirect(303, '/admin/canned?done=saved');
  };
  router.post('/canned', (req, res) => save(req, res, null));
  router.post('/canned/:id', (req, res) => save(req, res, idParam(req.params.id)));
  router.post('/canned/:id/delete', async (req, res) => {
    await removeCanned(services.db, staffOf(req), idParam(req.params.id));
    res.redirect(303, '/admin/canned?done=deleted');
  });
  return router;
}
