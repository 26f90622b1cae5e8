import type { IncomingMessage, ServerResponse } from 'node:http';
import { pinoHttp } from 'pino-http';
import type { Logger } from '../../logger';

/** The path as logged: the single-use token of an invitation or password-reset link is left out. */
export function loggedPath(url: string | undefined): string | undefined {
  return url?.split('?')[0]?.replace(/^(\/admin\/(?:invite|reset)\/)[^/]+/i, '$1…');
}

/** One line per request: method, path, status and time; no headers, cookies, bodies or link tokens. */
export function requestLogger(logger: Logger) {
  return pinoHttp({
    logger,
    autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' },
    serializers: {
      req: (req: IncomingMessage & { id?: unknown }) => ({ id: req.id, method: req.method, url: loggedPath(req.url) }),
      res: (res: ServerResponse) => ({ statusCode: res.statusCode }),
    },
  });
}
