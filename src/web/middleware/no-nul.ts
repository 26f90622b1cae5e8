import type { NextFunction, Request, Response } from 'express';
import { AppError } from '../../errors';

/** Whether a parsed value (query, form or JSON) holds a NUL character anywhere, however deep. */
export function holdsNul(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (depth > 50 || value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) return value.some((v) => holdsNul(v, depth + 1));
  return Object.entries(value as Record<string, unknown>).some(
    ([k, v]) => k.includes('\u0000') || holdsNul(v, depth + 1),
  );
}

/**
 * Refuses a request whose query or body holds a NUL character (400): nobody types one, and
 * PostgreSQL can neither store nor compare it, so it would otherwise fail deep in a query.
 * Runs after each body parser (pages: URL-encoded and multipart forms; API: JSON).
 */
export function refuseNul(req: Request, _res: Response, next: NextFunction): void {
  next(
    holdsNul(req.query) || holdsNul(req.body)
      ? new AppError(400, 'bad_form', 'The request holds a character that is not allowed.')
      : undefined,
  );
}
