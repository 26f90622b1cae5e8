import type { RequestHandler } from 'express';
import { hasTwoFactor } from '../../staff/two-factor.service';
import type { Services } from '../app-services';

// What someone who must still set up two-factor sign-in may reach: the set-up itself, the
// confirmation it may ask for, signing out, and the upgrade step admins are sent to.
// Routes match whatever the letter case ("/ADMIN/tickets" is the ticket list), so these checks do too.
const reachable = /^\/admin\/(profile\/two-factor(\/|$)|confirm-access$|logout$|login(\/|$)|upgrade$)/i;

/**
 * When admins require two-factor sign-in for everyone (setting security.requireTwoFactor),
 * signed-in staff without it are sent to set it up before any other staff page. Once the
 * account is known to have it, the session remembers that and asks no more.
 */
export function twoFactorRequired(services: Services): RequestHandler {
  return async (req, res, next) => {
    if (!req.user || req.session.twoFactorOk || !req.path.toLowerCase().startsWith('/admin')) return next();
    if (!(await services.settings.get('security.requireTwoFactor'))) return next();
    if (await hasTwoFactor(services.db, req.user.id)) {
      req.session.twoFactorOk = true;
      return next();
    }
    if (reachable.test(req.path)) return next();
    res.redirect(303, '/admin/profile/two-factor');
  };
}
