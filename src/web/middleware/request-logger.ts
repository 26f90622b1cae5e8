import type { RequestHandler } from 'express';
import type { Logger } from '../../logger';

/** The path as logged: the single-use token of an invitation or password-reset link is left out. */
export function loggedPath(url: string | undefined): string | undefined {
  return url?.split('?')[0]?.replace(/^(\/admin\/(?:invite|reset)\/)[^/]+/i, '$1…');
}

const maxRequestId = 2147483647;

/**
 * One line per request: method, path, status and time; no headers, cookies, bodies or link tokens.
 * The line is the one pino-http wrote ("request completed", "request errored" from status 500 on),
 * logged straight from the shared logger when the response ends: pino-http built two child
 * loggers per request and ran the redaction over the request object, ~5 % of a customer page's
 * CPU (issue 16).
 */
export function requestLogger(logger: Logger): RequestHandler {
  let lastId = 0;
  return (req, res, next) => {
    if (req.url === '/healthz' || req.url === '/readyz') return next();
    lastId = (lastId + 1) & maxRequestId;
    const id = lastId;
    const startedAt = Date.now();
    let logged = false;
    const logEnd = () => {
      if (logged) return;
      logged = true;
      const line = {
        req: { id, method: req.method, url: loggedPath(req.originalUrl) },
        res: { statusCode: res.statusCode },
        responseTime: Date.now() - startedAt,
      };
      // 'close' before 'finish': the client went away before the whole response was sent.
      if (!res.writableFinished) logger.info(line, 'request aborted');
      else if (res.statusCode >= 500) logger.info(line, 'request errored');
      else logger.info(line, 'request completed');
    };
    res.once('finish', logEnd);
    res.once('close', logEnd);
    next();
  };
}
