import type { RequestHandler } from 'express';
import { ForbiddenError } from '../../errors';

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
