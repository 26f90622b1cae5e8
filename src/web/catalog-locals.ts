import type { RequestHandler } from 'express';
import type { CatalogNames } from '../catalog/catalog.service';
import type { Services } from './app-services';

/** The stored names as they are, for when the catalog cannot be read (an upgrade is pending). */
const storedNames: CatalogNames = {
  status: (_k, f) => f,
  priority: (_k, f) => f,
  category: (_id, f) => f,
  field: (_id, f) => f,
  fieldHint: () => '',
};

/**
 * Gives every page `names` (statuses, priorities, categories and fields in the viewer's
 * language) and the version of the badge colour stylesheet that the page header links.
 */
export function catalogLocals(services: Services): RequestHandler {
  return async (req, res, next) => {
    res.locals.names = storedNames;
    const staffPage = isStaffPage(req.path);
    try {
      const defaultLanguage = await services.settings.get('helpdesk.language');
      res.locals.names = await services.catalog.namesFor(
        String(res.locals.lang ?? 'en'),
        defaultLanguage,
        staffPage ? 'staff' : 'customer',
      );
      res.locals.catalogCssVersion = (await services.catalog.css()).version;
    } catch {
      // The pages still work with the stored names; the upgrade page or the error page follows.
    }
    next();
  };
}

const isStaffPage = (path: string) => path === '/admin' || path.startsWith('/admin/');

/** /catalog.css: the admins' status and priority colours (the CSP allows no inline style). */
export function catalogCss(services: Services): RequestHandler {
  return async (req, res) => {
    const { css, version } = await services.catalog.css().catch(() => ({ css: '', version: '' }));
    res.type('text/css');
    res.set('X-Content-Type-Options', 'nosniff');
    // A page links the version it saw; that URL never changes content, an old one is re-read.
    res.set('Cache-Control', req.query.v === version ? 'public, max-age=31536000, immutable' : 'no-cache');
    res.send(css);
  };
}
