import { Router, type Request } from 'express';
import { changeableAccount, staffAccount } from '../../staff/staff-admin.service';
import { resetTwoFactorOf, twoFactorStatus } from '../../staff/two-factor.service';
import type { Services } from '../app-services';
import { requireCapability } from '../auth/guards';
import { requireRecentAuth } from '../auth/recent-auth';
import { adminActorOf } from './roles.routes';
import { idParam } from '../params';

/**
 * /admin/staff/:id/two-factor: whether a colleague has two-factor sign-in, and switching it off
 * for someone who lost their phone and recovery codes (they set it up again after signing in).
 */
export function staffTwoFactorRoutes(services: Services): Router {
  const router = Router();
  const deps = {
    db: services.db,
    clock: services.clock,
    signingSecret: services.config.secrets.signing,
    i18n: services.i18n,
    settings: services.settings,
  };
  router.use(
    '/staff/:id/two-factor',
    requireCapability('staff.manage'),
    requireRecentAuth(services.clock, '/admin/staff'),
  );
  const actorOf = (req: Request) => ({
    id: req.user!.id,
    name: req.user!.name,
    email: req.user!.email,
    isAdmin: req.user!.isAdmin,
  });

  router.get('/staff/:id/two-factor', async (req, res) => {
    const person = await staffAccount(services.db, idParam(req.params.id));
    res.render('admin/staff-two-factor', {
      title: req.t('staffTwoFactor.title', { name: person.name }),
      person,
      status: await twoFactorStatus(services.db, person.id),
      done: req.query.done === 'reset',
    });
  });

  router.post('/staff/:id/two-factor/reset', async (req, res) => {
    const person = await changeableAccount(services.db, adminActorOf(req), idParam(req.params.id));
    await resetTwoFactorOf(deps, actorOf(req), person, req.ip ?? 'unknown');
    res.redirect(303, `/admin/staff/${person.id}/two-factor?done=reset`);
  });
  return router;
}
