import type { Request, RequestHandler, Response } from 'express';
import { doubleCsrf } from 'csrf-csrf';
import { AppError } from '../../errors';

export type Csrf = { protect: RequestHandler; tokenFor(req: Request, res: Response): string };

/**
 * CSRF tokens for every state-changing form (csrf-csrf, double submit bound to the session).
 * Used by the help desk (bound to the database session, or for anonymous visitors to a form
 * cookie: form-binding.ts) and by the install wizard (bound to its own state cookie). A failure is a typed 403 that the error handler renders.
 */
export function createCsrf(opts: {
  secret: string;
  sessionIdOf(req: Request): string;
  /** Another identifier a token may have been bound to (an earlier state of the same visitor). */
  fallbackIdOf?(req: Request): string | null;
  beforeIssue?(req: Request, res: Response): void;
}): Csrf {
  const checkingFallback = new WeakSet<Request>();
  const { doubleCsrfProtection, generateCsrfToken, validateRequest } = doubleCsrf({
    getSecret: () => opts.secret,
    getSessionIdentifier: (req) =>
      checkingFallback.has(req) ? (opts.fallbackIdOf?.(req) ?? '') : opts.sessionIdOf(req),
    cookieName: 'tessera.csrf',
    cookieOptions: { sameSite: 'lax', path: '/', secure: false, httpOnly: true },
    getCsrfTokenFromRequest: (req) => {
      const fromBody: unknown = (req.body as Record<string, unknown> | undefined)?._csrf;
      if (typeof fromBody === 'string') return fromBody;
      const header = req.headers['x-csrf-token'];
      if (typeof header === 'string') return header;
      // Forms with files carry the token in their action URL, so it is checked before any file
      // is read or written.
      const fromQuery: unknown = req.query?._csrf;
      return req.is('multipart/form-data') && typeof fromQuery === 'string' ? fromQuery : undefined;
    },
  });
  const validForFallback = (req: Request) => {
    if (!opts.fallbackIdOf?.(req)) return false;
    checkingFallback.add(req);
    try {
      return validateRequest(req);
    } finally {
      checkingFallback.delete(req);
    }
  };
  const protect: RequestHandler = (req, res, next) => {
    doubleCsrfProtection(req, res, (err?: unknown) => {
      if (err && !validForFallback(req))
        next(
          new AppError(
            403,
            'csrf_invalid',
            'The form has expired or was not sent from this site. Please go back, reload the page and try again.',
          ),
        );
      else next();
    });
  };
  return {
    protect,
    tokenFor: (req, res) => {
      opts.beforeIssue?.(req, res);
      return generateCsrfToken(req, res, {
        overwrite: false,
        validateOnReuse: false,
        cookieOptions: { secure: req.secure },
      });
    },
  };
}
