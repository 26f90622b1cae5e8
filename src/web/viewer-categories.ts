import type { Request } from 'express';
import type { Db } from '../db/db';
import { visibleCategoryIds } from '../staff/category-access.repo';

const perRequest = new WeakMap<Request, Promise<number[] | 'all'>>();

/**
 * The categories the signed-in staff member sees, read once per request: the parts of one page
 * (the ticket page and its tag suggestions) each asked the database again (issue 16). Kept with
 * the request only, so a grant changed since is seen by the next request.
 */
export function viewerCategories(db: Db, req: Request): Promise<number[] | 'all'> {
  let visible = perRequest.get(req);
  if (!visible) {
    visible = visibleCategoryIds(db, req.user!);
    perRequest.set(req, visible);
  }
  return visible;
}
