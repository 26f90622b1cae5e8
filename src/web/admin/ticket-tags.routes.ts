import { Router, type Request } from 'express';
import { ValidationError } from '../../errors';
import { viewerCategories } from '../viewer-categories';
import { listVisibleTagNames, tagsOfTickets } from '../../tags/tags.repo';
import { addTags, parseTagList, removeTag } from '../../tags/tags.service';
import { workableTicketForStaff } from '../../tickets/staff-actions.service';
import type { Services } from '../app-services';
import { idParam } from '../params';

const tagErrors = ['tags.errorEmpty', 'tags.errorTooMany', 'tags.errorTooLong', 'tags.errorTicketFull'];

/**
 * Tags on the ticket page. The page's partial (views/admin/partials/ticket-tags.ejs) reads the
 * ticket's tags and the suggestions from res.locals, filled here for every /tickets/:id request,
 * so the ticket page's own route needs no change.
 */
export function ticketTagRoutes(services: Services): Router {
  const router = Router();
  const load = (req: Request) => workableTicketForStaff(services.db, req.user!, idParam(req.params.id));

  router.use('/tickets/:id', async (req, res, next) => {
    const id = idParam(req.params.id);
    // Only what shows the ticket page needs them: not the presence heartbeat (every 20 s per open page), a file or
    // the canned text fetched by script.
    if (Number.isNaN(id) || /^\/(presence|attachments\/|canned\/)/.test(req.path)) return next();
    const [tags, suggestions] = await Promise.all([
      tagsOfTickets(services.db, [id]),
      listVisibleTagNames(services.db, await viewerCategories(services.db, req), 300),
    ]);
    res.locals.ticketTags = (tags.get(id) ?? []).map((t) => t.name);
    res.locals.tagSuggestions = suggestions;
    const err =
      typeof req.query.tagerror === 'string' && tagErrors.includes(req.query.tagerror) ? req.query.tagerror : null;
    res.locals.tagForm = {
      error: err,
      value: err && typeof req.query.tagvalue === 'string' ? req.query.tagvalue.slice(0, 500) : '',
    };
    next();
  });

  router.post('/tickets/:id/tags', async (req, res) => {
    const ticket = await load(req);
    const text = typeof req.body?.tags === 'string' ? req.body.tags.slice(0, 2000) : '';
    try {
      await addTags(services, ticket, req.user!, parseTagList(text));
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      const key = err.details?.tags ?? 'tags.errorEmpty';
      return res.redirect(
        303,
        `/admin/tickets/${ticket.id}?${new URLSearchParams({ tagerror: key, tagvalue: text.slice(0, 500) }).toString()}#tags`,
      );
    }
    res.redirect(303, `/admin/tickets/${ticket.id}#tags`);
  });

  router.post('/tickets/:id/tags/remove', async (req, res) => {
    const ticket = await load(req);
    if (typeof req.body?.tag === 'string') await removeTag(services, ticket, req.user!, req.body.tag.slice(0, 200));
    res.redirect(303, `/admin/tickets/${ticket.id}#tags`);
  });
  return router;
}
