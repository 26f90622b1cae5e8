import type { RequestHandler } from 'express';
import type { SchemaStatus } from '../../db/schema-status';
import { AppError } from '../../errors';
import { wantsJson } from './errors';

const openDuringUpgrade = ['/admin/login', '/admin/logout', '/admin/upgrade'];

/**
 * While the code has migrations the database lacks, admins are sent to the upgrade page and
 * everyone else meets a maintenance page (the API answers 503).
 */
export function upgradeGate(status: SchemaStatus): RequestHandler {
  return async (req, res, next) => {
    const pending = await status.pendingNow();
    if (pending.length === 0 || openDuringUpgrade.includes(req.path)) return next();
    if (wantsJson(req))
      return next(
        new AppError(503, 'upgrade_in_progress', 'The help desk is being upgraded. Please try again shortly.'),
      );
    if (req.user?.isAdmin) return res.redirect(303, '/admin/upgrade');
    res
      .status(503)
      .set('Retry-After', '120')
      .render('errors/maintenance', { title: req.t('maintenance.title') });
  };
}
