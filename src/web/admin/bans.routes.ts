import { Router, type Request, type Response } from 'express';
import { listBanDetails } from '../../bans/bans.repo';
import { addBan, removeBan, type BanActor } from '../../bans/bans.service';
import { ValidationError } from '../../errors';
import type { Services } from '../app-services';
import { requireCapability } from '../auth/guards';
import { idParam } from '../params';

const actorOf = (req: Request): BanActor => ({ id: req.user!.id, name: req.user!.name, ip: req.ip ?? '' });
const text = (v: unknown) => (typeof v === 'string' ? v : '');

/** /admin/bans: e-mail addresses, domains and IP ranges that may not open tickets. */
export function banRoutes(services: Services): Router {
  const router = Router();
  router.use('/bans', requireCapability('bans.manage'));

  async function render(
    req: Request,
    res: Response,
    values: Record<string, string>,
    errors: Record<string, string> = {},
    status = 200,
  ) {
    res.status(status).render('admin/bans', {
      title: req.t('bans.title'),
      bans: await listBanDetails(services.db),
      values,
      errors,
      notice: req.query.done === 'added' || req.query.done === 'removed' ? `bans.done.${req.query.done}` : null,
    });
  }

  // A prefilled form (e.g. from "ban this sender" on a ticket); nothing changes on GET.
  router.get('/bans', (req, res) =>
    render(req, res, {
      kind: ['email', 'domain', 'ip'].includes(text(req.query.kind)) ? text(req.query.kind) : 'email',
      value: text(req.query.value).slice(0, 191),
      reason: '',
    }),
  );

  router.post('/bans', async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    try {
      await addBan(services.db, actorOf(req), body, services.clock.now());
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      return render(
        req,
        res,
        { kind: text(body.kind), value: text(body.value), reason: text(body.reason) },
        err.details ?? {},
        400,
      );
    }
    services.settings.invalidate(); // bans are kept beside the settings
    res.redirect(303, '/admin/bans?done=added');
  });

  router.post('/bans/:id/delete', async (req, res) => {
    await removeBan(services.db, actorOf(req), idParam(req.params.id), services.clock.now());
    services.settings.invalidate();
    res.redirect(303, '/admin/bans?done=removed');
  });
  return router;
}
