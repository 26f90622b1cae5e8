import { Router, type Request, type Response } from 'express';
import { ConflictError, ValidationError } from '../../errors';
import { isCapabilityOffered } from '../../features/not-built';
import { capabilities } from '../../staff/capabilities';
import { listRoles, type Role } from '../../staff/roles.repo';
import { removeRole, roleById, saveRole, type AdminActor } from '../../staff/roles.service';
import type { Services } from '../app-services';
import { requireAdmin } from '../auth/guards';
import { requireRecentAuth } from '../auth/recent-auth';
import { idParam } from '../params';

export const adminActorOf = (req: Request): AdminActor => ({
  id: req.user!.id,
  name: req.user!.name,
  ip: req.ip ?? '',
  isAdmin: req.user!.isAdmin,
  capabilities: req.user!.capabilities,
});

type Values = { name: string; capabilities: string[] };
const valuesOf = (body: Record<string, unknown>): Values => ({
  name: typeof body.name === 'string' ? body.name.slice(0, 500) : '',
  capabilities: (Array.isArray(body.capabilities) ? body.capabilities : [body.capabilities]).filter(
    (c): c is string => typeof c === 'string',
  ),
});

/**
 * /admin/roles: custom roles (admins only — a role decides what others may do, so it is never
 * in reach of the people it restricts). The built-in Administrator and "standard staff" are shown
 * for reference and cannot be edited.
 */
export function rolesRoutes(services: Services): Router {
  const router = Router();
  router.use('/roles', requireAdmin, requireRecentAuth(services.clock, '/admin/roles'));

  async function render(
    req: Request,
    res: Response,
    editing: Role | null,
    values: Values,
    errors: Record<string, string> = {},
    status = 200,
    problem: string | null = null,
  ) {
    res.status(status).render('admin/roles', {
      title: req.t('roles.title'),
      // Capabilities of features not built yet are neither offered nor listed (stored ones are kept).
      roles: (await listRoles(services.db)).map((r) => ({
        ...r,
        capabilities: r.capabilities.filter(isCapabilityOffered),
      })),
      allCapabilities: capabilities.filter(isCapabilityOffered),
      editing,
      values,
      errors,
      problem,
      notice:
        typeof req.query.done === 'string' && ['saved', 'deleted'].includes(req.query.done)
          ? `roles.done.${req.query.done}`
          : null,
    });
  }

  router.get('/roles', (req, res) =>
    render(req, res, null, { name: '', capabilities: ['tickets.view', 'tickets.reply'] }),
  );
  router.get('/roles/:id', async (req, res) => {
    const role = await roleById(services.db, idParam(req.params.id));
    await render(req, res, role, { name: role.name, capabilities: role.capabilities });
  });

  const save = async (req: Request, res: Response, id: number | null) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    try {
      await saveRole(services.db, adminActorOf(req), id, body, services.clock.now());
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      const editing = id === null ? null : await roleById(services.db, id);
      return render(req, res, editing, valuesOf(body), err.details ?? {}, 400);
    }
    res.redirect(303, '/admin/roles?done=saved');
  };
  router.post('/roles', (req, res) => save(req, res, null));
  router.post('/roles/:id', (req, res) => save(req, res, idParam(req.params.id)));
  router.post('/roles/:id/delete', async (req, res) => {
    try {
      await removeRole(services.db, adminActorOf(req), idParam(req.params.id), services.clock.now());
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
      return render(req, res, null, { name: '', capabilities: [] }, {}, 409, 'roles.errors.inUse');
    }
    res.redirect(303, '/admin/roles?done=deleted');
  });
  return router;
}
