import { linkify } from '../../tickets/message-text';
import type { Request, RequestHandler } from 'express';
import { formatDateTime } from '../../i18n/date-time';
import { languages } from '../../i18n/i18n';
import { can, type Capability } from '../../staff/capabilities';
import type { Csrf } from './csrf';

/** Adds ?lang= to the current URL for the language switch, keeping the other parameters. */
export function languageHref(req: Request, code: string): string {
  return languageHrefsOf(req.originalUrl)(code);
}

/** The switch links of one URL: it is parsed once for the five languages (issue 16). */
function languageHrefsOf(originalUrl: string): (code: string) => string {
  const url = new URL(originalUrl, 'http://local');
  // One leading slash only: "//host/x" would be a link to another site.
  const path = `/${url.pathname.replace(/^\/+/, '')}`;
  const params = url.searchParams;
  return (code) => {
    params.set('lang', code);
    return `${path}?${params.toString()}`;
  };
}

/**
 * An error for a field is a locale key, or several "key|{json vars}" lines (one per refused
 * attachment, say); this turns either into the text to show.
 */
export function errorText(t: (key: string, vars?: Record<string, unknown>) => string, value: string): string {
  return value
    .split('\n')
    .map((line) => {
      const bar = line.indexOf('|');
      if (bar < 0) return t(line);
      let vars: Record<string, unknown> = {};
      try {
        vars = JSON.parse(line.slice(bar + 1)) as Record<string, unknown>;
      } catch {
        vars = {};
      }
      return t(line.slice(0, bar), vars);
    })
    .join(' ');
}

/** What every view may use: t(), the language, the switch links and static asset URLs. */
export function baseLocals(assetVersion: string): RequestHandler {
  return (req, res, next) => {
    // A browser may ask for a regional variant (ru-RU): the texts come from its base language, so
    // must <html lang>, the language switch and the catalog names.
    const asked = req.language?.split('-')[0]?.toLowerCase();
    const lang = asked && languages.some((l) => l.code === asked) ? asked : 'en';
    res.locals.t = req.t;
    res.locals.errorText = (value: string) => errorText(req.t, value);
    // Message text: escaped, with its links clickable (see message-text.ts).
    res.locals.linkify = linkify;
    res.locals.formatDateTime = formatDateTime;
    res.locals.lang = lang;
    const hrefOf = languageHrefsOf(req.originalUrl);
    res.locals.languages = languages.map((l) => ({ ...l, href: hrefOf(l.code), current: l.code === lang }));
    res.locals.asset = (file: string) => `/static/${file}?v=${assetVersion}`;
    res.locals.currentPath = req.path;
    next();
  };
}

/** Locals that need the session: the signed-in user and a lazily issued CSRF token. */
export function sessionLocals(csrf: Csrf): RequestHandler {
  return (req, res, next) => {
    res.locals.user = req.user ?? null;
    // Views hide what the signed-in person may not do (the services refuse it anyway).
    res.locals.userCan = (capability: Capability) => Boolean(req.user && can(req.user, capability));
    let token: string | undefined;
    res.locals.csrfToken = () => {
      token ??= csrf.tokenFor(req, res);
      return token;
    };
    next();
  };
}
