import { Router, type Request, type Response } from 'express';
import { NotFoundError, ValidationError } from '../../errors';
import {
  anonymizeCustomer,
  anonymizeTicket,
  customerOverview,
  deleteCustomer,
  exportCustomer,
  searchCustomers,
  type PrivacyActor,
} from '../../privacy/privacy.service';
import { formatTrackingId } from '../../tickets/tracking-id';
import type { Services } from '../app-services';
import { requireAdmin } from '../auth/guards';
import { idParam } from '../params';

const actorOf = (req: Request): PrivacyActor => ({ id: req.user!.id, name: req.user!.name, ip: req.ip ?? '' });

/** /admin/customers: a customer's data — find, export (JSON), anonymize, delete. Admins only. */
export function privacyRoutes(services: Services): Router {
  const router = Router();
  router.use('/customers', requireAdmin);

  router.get('/customers', async (req, res) => {
    const q = typeof req.query.q === 'string' ? req.query.q.slice(0, 191) : '';
    res.render('admin/customers', {
      title: req.t('privacy.title'),
      q,
      results: q ? await searchCustomers(services.db, q) : null,
      notice: req.query.done === 'deleted' ? 'privacy.done.deleted' : null,
    });
  });

  async function renderCustomer(req: Request, res: Response, errors: Record<string, string> = {}, status = 200) {
    const overview = await customerOverview(services.db, idParam(req.params.id));
    const done =
      typeof req.query.done === 'string' && ['anonymized', 'ticketAnonymized'].includes(req.query.done)
        ? `privacy.done.${req.query.done}`
        : null;
    const tickets = overview.tickets.map((t) => ({ ...t, trackingLabel: formatTrackingId(t.trackingId) }));
    res.status(status).render('admin/customer', {
      title: overview.customer.name,
      customer: overview.customer,
      tickets,
      errors,
      notice: done,
    });
  }
  router.get('/customers/:id', (req, res) => renderCustomer(req, res));

  router.get('/customers/:id/export', async (req, res) => {
    const id = idParam(req.params.id);
    const data = await exportCustomer(services, actorOf(req), id);
    res.attachment(`customer-${id}.json`);
    res.type('application/json').send(JSON.stringify(data, null, 2));
  });

  // Irreversible actions ask for a ticked confirmation, so a stray click changes nothing.
  const confirmed = async (req: Request, res: Response, action: () => Promise<void>, done: string) => {
    if ((req.body as Record<string, unknown> | undefined)?.confirm !== 'yes')
      return renderCustomer(req, res, { confirm: 'privacy.errors.confirm' }, 400);
    try {
      await action();
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      return renderCustomer(req, res, err.details ?? {}, 400);
    }
    res.redirect(303, done);
  };
  router.post('/customers/:id/anonymize', (req, res) =>
    confirmed(
      req,
      res,
      () => anonymizeCustomer(services, actorOf(req), idParam(req.params.id)),
      `/admin/customers/${idParam(req.params.id)}?done=anonymized`,
    ),
  );
  router.post('/customers/:id/delete', (req, res) =>
    confirmed(
      req,
      res,
      () => deleteCustomer(services, actorOf(req), idParam(req.params.id)),
      '/admin/customers?done=deleted',
    ),
  );
  router.post('/customers/:id/tickets/:ticketId/anonymize', async (req, res) => {
    // Any ticket of theirs, also one older than the page lists.
    try {
      await anonymizeTicket(services, actorOf(req), idParam(req.params.id), idParam(req.params.ticketId));
    } catch (err) {
      if (err instanceof NotFoundError) return renderCustomer(req, res, { form: 'privacy.errors.notTheirTicket' }, 404);
      throw err;
    }
    res.redirect(303, `/admin/customers/${idParam(req.params.id)}?done=ticketAnonymized`);
  });
  return router;
}
