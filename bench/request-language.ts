/**
 * CPU per request of choosing the request's language and translating a page's plain texts:
 * i18next-http-middleware's handle() (a cloned i18next instance per request) against
 * src/i18n/request-language.ts (a shared, remembering t() per language). In-process, no HTTP.
 *
 *   npx tsx bench/request-language.ts [--requests 2000]
 */
import type { RequestHandler } from 'express';
import { handle } from 'i18next-http-middleware';
import { parseArgs } from 'node:util';
import { createI18n } from '../src/i18n/i18n';
import { requestLanguage } from '../src/i18n/request-language';

const { values } = parseArgs({ options: { requests: { type: 'string', default: '2000' } } });
const requests = Number(values.requests);
const i18n = createI18n();
// Forty look-ups of texts without values: about what the customer ticket form page makes.
const keys = ['find.title', 'find.tracking', 'find.email', 'find.trackingHint', 'mail.regards'];

function oneRequest(middleware: RequestHandler): void {
  const headers: Record<string, unknown> = {};
  const req = {
    headers: { 'accept-language': 'sk,en;q=0.8' },
    query: {},
    url: '/helpdesk/tickets',
    originalUrl: '/helpdesk/tickets',
    path: '/helpdesk/tickets',
  };
  const res = {
    locals: {} as Record<string, unknown>,
    setHeader: (k: string, v: unknown) => (headers[k] = v),
    getHeader: (k: string) => headers[k],
    cookie: () => undefined,
  };
  middleware(req as never, res as never, () => undefined);
  const t = res.locals.t as (key: string) => string;
  for (let i = 0; i < 8; i++) for (const key of keys) t(key);
}

function measure(name: string, middleware: RequestHandler): void {
  for (let i = 0; i < requests / 10; i++) oneRequest(middleware);
  const start = process.cpuUsage();
  for (let i = 0; i < requests; i++) oneRequest(middleware);
  const used = process.cpuUsage(start);
  console.log(`${name}: ${((used.user + used.system) / 1000 / requests).toFixed(3)} ms CPU per request`);
}

measure('i18next-http-middleware handle()', handle(i18n) as unknown as RequestHandler);
measure('requestLanguage()', requestLanguage(i18n));
process.exit(0); // the locale file backend keeps no work, but do not wait for it
