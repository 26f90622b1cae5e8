import type { RequestHandler } from 'express';
import { ForbiddenError } from '../../errors';
import { can, type Capability } from '../../staff/capabilities';

/** Staff pages: anonymous visitors are sent to sign in and brought back afterwards. */
export const requireStaff: RequestHandler = (req, res, next) => {
  if (req.user) return next();
  const back = req.method === 'GET' ? `?next=${encodeURIComponent(req.originalUrl)}` : '';
  res.redirect(303, `/admin/login${back}`);
};

export const requireAdmin: RequestHandler = (req, res, next) => {
  if (!req.user) return requireStaff(req, res, next);
  if (!req.user.isAdmin) return next(new ForbiddenError());
  next();
};

/** Pages and API routes that need a capability: 403 for staff whose role lacks it. */
export function requireCapability(capability: Capability): RequestHandler {
  return (req, res, next) => {
    if (!req.user) return requireStaff(req, res, next);
    if (!can(req.user, capability)) return next(new ForbiddenError());
    next();
  };
}
