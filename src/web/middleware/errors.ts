import type { ErrorRequestHandler, Request, RequestHandler } from 'express';
import { AppError, NotFoundError, TooManyRequestsError } from '../../errors';
import { isConnectionError } from '../../db/dialect';
import type { Logger } from '../../logger';
import { errorText } from './locals';
import { loggedPath } from './request-logger';

export function wantsJson(req: Request): boolean {
  return req.originalUrl.startsWith('/api/');
}

export const notFound: RequestHandler = (_req, _res, next) => next(new NotFoundError());

/** Maps anything thrown to a status, a stable code and a message that is safe to show. */
function describe(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (isConnectionError(err)) return new AppError(503, 'unavailable', 'The help desk is temporarily unavailable.');
  // A path the router could not decode (`/admin/tickets/%ff`): the client's mistake, not ours.
  if (err instanceof URIError) return new AppError(400, 'bad_address', 'This address is not valid.');
  const e = err as { status?: unknown; type?: unknown; expose?: unknown; message?: unknown };
  // body-parser and similar libraries mark client errors with status + expose.
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500 && e.expose) {
    return new AppError(e.status, String(e.type ?? 'bad_request').replace(/\./g, '_'), String(e.message));
  }
  return new AppError(500, 'internal_error', 'Something went wrong on our side.');
}

/**
 * The one error handler: an HTML page for pages, `{"error":{code,message}}` for the API.
 * No stack trace leaves the server; server-side failures are logged with the request.
 */
export function errorHandler(logger: Logger, render: (req: Request) => boolean = () => true): ErrorRequestHandler {
  return (err, req, res, next) => {
    if (res.headersSent) return next(err);
    const error = describe(err);
    if (error.status >= 500) logger.error({ err, method: req.method, path: loggedPath(req.path) }, 'request failed');
    if (error instanceof TooManyRequestsError) res.set('Retry-After', String(error.retryAfterSeconds));
    if (error.status === 503) res.set('Retry-After', '30');
    res.status(error.status);
    if (wantsJson(req) || !render(req)) {
      // Field problems are locale keys inside; API clients get them as readable English text.
      const fields = error.details
        ? Object.fromEntries(Object.entries(error.details).map(([k, v]) => [k, req.t ? errorText(req.t, v) : v]))
        : undefined;
      res.json({ error: { code: error.code, message: error.message, ...(fields ? { fields } : {}) } });
      return;
    }
    if (typeof res.locals.t !== 'function') {
      // Failed before the language middleware ran: the page cannot be worded, so plain text.
      res.type('text/plain').send(`${error.status} ${error.message}`);
      return;
    }
    const view =
      error.status === 404 ? 'errors/not-found' : error.code === 'unavailable' ? 'errors/unavailable' : 'errors/error';
    res.render(
      view,
      { title: error.message, status: error.status, code: error.code, message: error.message },
      (renderErr, html) => {
        if (renderErr) {
          logger.error({ err: renderErr }, 'error page failed to render');
          res.type('text/plain').send(`${error.status} ${error.message}`);
        } else {
          res.send(html);
        }
      },
    );
  };
}
