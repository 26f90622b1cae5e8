import { Router, type Request } from 'express';
import { listFollowers } from '../../followers/followers.repo';
import { addFollower, FollowerError, removeFollower, type FollowerProblem } from '../../followers/followers.service';
import type { Services } from '../app-services';
import { idParam } from '../params';

const problems: FollowerProblem[] = [
  'followers.errors.email',
  'followers.errors.excluded',
  'followers.errors.full',
  'followers.errors.already',
];

/**
 * Followers on the ticket page (add, remove). Like the tags, the page's partial
 * (views/admin/partials/ticket-followers.ejs) reads them from res.locals, filled here for every
 * /tickets/:id request; the page's own route checks access before anything is shown.
 */
export function ticketFollowerRoutes(services: Services): Router {
  const router = Router();
  const actor = (req: Request) => ({ ...req.user!, ip: req.ip });

  router.use('/tickets/:id', async (req, res, next) => {
    const id = idParam(req.params.id);
    if (Number.isNaN(id) || /^\/(presence|attachments\/|canned\/)/.test(req.path)) return next();
    res.locals.ticketFollowers = await listFollowers(services.db, id);
    const err =
      typeof req.query.followererror === 'string' && (problems as string[]).includes(req.query.followererror)
        ? req.query.followererror
        : null;
    res.locals.followerForm = {
      error: err,
      value: err && typeof req.query.followervalue === 'string' ? req.query.followervalue.slice(0, 254) : '',
    };
    next();
  });

  router.post('/tickets/:id/followers', async (req, res) => {
    const id = idParam(req.params.id);
    const email: unknown = req.body?.email;
    try {
      await addFollower(services, actor(req), id, { email });
    } catch (err) {
      if (!(err instanceof FollowerError)) throw err;
      const value = typeof email === 'string' ? email.slice(0, 254) : '';
      return res.redirect(
        303,
        `/admin/tickets/${id}?${new URLSearchParams({ followererror: err.problem, followervalue: value }).toString()}#followers`,
      );
    }
    res.redirect(303, `/admin/tickets/${id}#followers`);
  });

  router.post('/tickets/:id/followers/remove', async (req, res) => {
    const id = idParam(req.params.id);
    await removeFollower(services, actor(req), id, idParam(req.body?.follower));
    res.redirect(303, `/admin/tickets/${id}#followers`);
  });
  return router;
}
