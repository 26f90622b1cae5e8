import { Router, type Request, type Response } from 'express';
import {
  createApiToken,
  expiryChoices,
  listApiTokens,
  revokeApiToken,
  seesAllTokens,
} from '../../api-tokens/api-tokens.service';
import { ValidationError } from '../../errors';
import type { Services } from '../app-services';
import { requireCapability } from '../auth/guards';
import { requireRecentAuth } from '../auth/recent-auth';
import { idParam } from '../params';

const text = (body: Record<string, unknown>, k: string) => (typeof body[k] === 'string' ? (body[k] as string) : '');

/** /admin/api-tokens: personal tokens for the REST API; administrators see everyone's. */
export function apiTokenRoutes(services: Services): Router {
  const router = Router();
  router.use('/api-tokens', requireCapability('tickets.view'), requireRecentAuth(services.clock, '/admin/api-tokens'));

  type Extra = {
    values?: Record<string, string>;
    errors?: Record<string, string>;
    created?: { token: string; name: string };
  };
  async function render(req: Request, res: Response, extra: Extra = {}, status = 200) {
    const me = req.user!;
    // The page may carry a token in full: no copy of it may stay in any cache.
    res.set('Cache-Control', 'no-store');
    res.status(status).render('admin/api-tokens', {
      title: req.t('apiTokens.title'),
      tokens: await listApiTokens(services.db, me),
      showOwner: seesAllTokens(me),
      expiryChoices,
      values: extra.values ?? { name: '', expires: '90' },
      errors: extra.errors ?? {},
      created: extra.created ?? null,
      now: services.clock.now(),
      tz: await services.settings.get('helpdesk.timezone'),
      notice: req.query.done === 'revoked' ? 'apiTokens.revoked' : null,
    });
  }

  router.get('/api-tokens', (req, res) => render(req, res));

  // The new token is shown in this response and nowhere else: no redirect, no session copy.
  router.post('/api-tokens', async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    try {
      const { token, record } = await createApiToken(services, req.user!, body, req.ip ?? '');
      await render(req, res, { created: { token, name: record.name } }, 201);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      await render(
        req,
        res,
        { values: { name: text(body, 'name'), expires: text(body, 'expires') }, errors: err.details ?? {} },
        400,
      );
    }
  });

  router.post('/api-tokens/:id/revoke', async (req, res) => {
    await revokeApiToken(services, req.user!, idParam(req.params.id), req.ip ?? '');
    res.redirect(303, '/admin/api-tokens?done=revoked');
  });
  return router;
}
