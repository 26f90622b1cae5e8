import { Router, type Request, type Response } from 'express';
import {
  deleteTicketState,
  listTicketStates,
  saveTicketState,
  ticketStateForAdmin,
  ticketStateFormValues,
  type StateRow,
} from '../../catalog/ticket-states.service';
import { ConflictError, ValidationError } from '../../errors';
import type { Services } from '../app-services';
import { requireCapability } from '../auth/guards';
import { adminActorOf, defaultLanguageOf, formBody, keptForm } from './admin-actor';
import { idParam } from '../params';
import { doneNoticeKey } from '../done-notice';

const pathOf = { status: 'statuses', priority: 'priorities' } as const;

/** /admin/statuses and /admin/priorities: one page shape for both lists. */
export function ticketStateRoutes(services: Services): Router {
  const router = Router();
  for (const kind of ['status', 'priority'] as const) {
    const base = `/${pathOf[kind]}`;
    router.use(base, requireCapability('settings.manage'));

    const render = async (
      req: Request,
      res: Response,
      editing: StateRow | null,
      values: Record<string, string | string[]>,
      errors: Record<string, string> = {},
      status = 200,
      problem: string | null = null,
    ) => {
      res.status(status).render('admin/ticket-states', {
        title: req.t(`catalog.${pathOf[kind]}.title`),
        kind,
        base: `/admin${base}`,
        list: await listTicketStates(services.db, kind),
        editing,
        values,
        errors,
        problem,
        defaultLanguage: await defaultLanguageOf(services),
        notice: doneNoticeKey('catalog.done', req.query.done, ['saved', 'deleted']),
      });
    };
    const fresh = async () => ticketStateFormValues(null, await defaultLanguageOf(services));

    router.get(base, async (req, res) => render(req, res, null, await fresh()));
    router.get(`${base}/:id`, async (req, res) => {
      const row = await ticketStateForAdmin(services.db, kind, idParam(req.params.id));
      await render(req, res, row, ticketStateFormValues(row, await defaultLanguageOf(services)));
    });
    const save = async (req: Request, res: Response, id: number | null) => {
      const editing = id === null ? null : await ticketStateForAdmin(services.db, kind, id);
      const body = formBody(req);
      try {
        await saveTicketState(
          services.db,
          adminActorOf(req),
          kind,
          id,
          body,
          await defaultLanguageOf(services),
          services.clock.now(),
        );
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        return render(req, res, editing, keptForm(body), err.details ?? {}, 400);
      }
      services.catalog.invalidate();
      res.redirect(303, `/admin${base}?done=saved`);
    };
    router.post(base, (req, res) => save(req, res, null));
    router.post(`${base}/:id`, (req, res) => save(req, res, idParam(req.params.id)));
    router.post(`${base}/:id/delete`, async (req, res) => {
      try {
        await deleteTicketState(services.db, adminActorOf(req), kind, idParam(req.params.id), services.clock.now());
      } catch (err) {
        if (!(err instanceof ConflictError)) throw err;
        return render(
          req,
          res,
          null,
          await fresh(),
          {},
          409,
          err.code === 'in_use' ? 'catalog.errors.inUse' : 'catalog.errors.builtinDelete',
        );
      }
      services.catalog.invalidate();
      res.redirect(303, `/admin${base}?done=deleted`);
    });
  }
  return router;
}
