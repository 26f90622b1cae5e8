import { Router, type Request, type Response } from 'express';
import { listActiveCategories } from '../../categories/categories.repo';
import { ValidationError } from '../../errors';
import { visibleCategoryIds } from '../../staff/category-access.repo';
import { listRoles } from '../../staff/roles.repo';
import { listStaffForAdmin, staffWithTwoFactor, type StaffListRow } from '../../staff/staff-admin.repo';
import { resetPasswordOf } from '../../staff/password-links.service';
import {
  createStaff,
  resendInvitation,
  setStaffActive,
  staffAccount,
  updateStaff,
} from '../../staff/staff-admin.service';
import type { Services } from '../app-services';
import { requireCapability } from '../auth/guards';
import { requireRecentAuth } from '../auth/recent-auth';
import { adminActorOf } from './roles.routes';
import { idParam } from '../params';
import { mailSendingView, queuedMailNotice } from './mail-sending.view';
import type { SendingStatus } from '../../mail/sending-status';

type Values = { name: string; email: string; method: string; role: string; categories: string[] };
const text = (body: Record<string, unknown>, k: string, max = 500) =>
  typeof body[k] === 'string' ? (body[k] as string).slice(0, max) : '';
const valuesOf = (body: Record<string, unknown>): Values => ({
  name: text(body, 'name'),
  email: text(body, 'email'),
  method: text(body, 'method'),
  role: text(body, 'role'),
  categories: (Array.isArray(body.categories) ? body.categories : [body.categories]).filter(
    (c): c is string => typeof c === 'string',
  ),
});
const valuesOfPerson = (p: StaffListRow): Values => ({
  name: p.name,
  email: p.email,
  method: '',
  role: p.isAdmin ? 'admin' : p.roleId === null ? 'default' : String(p.roleId),
  categories: p.categoryIds.map(String),
});
const notices = ['created', 'invited', 'saved', 'deactivated', 'reactivated', 'resent', 'passwordReset'];
/** The notices about a mail queued just now say whether it goes out (see queuedMailNotice). */
const mailNotices = ['invited', 'resent', 'passwordReset'];
function noticeOf(req: Request, sending: SendingStatus): string | null {
  const done = typeof req.query.done === 'string' && notices.includes(req.query.done) ? req.query.done : null;
  if (!done) return null;
  return mailNotices.includes(done) ? queuedMailNotice(`staffAdmin.done.${done}`, sending) : `staffAdmin.done.${done}`;
}

/** /admin/staff: the staff list, adding (invitation or password), editing and (de)activating accounts. */
export function staffRoutes(services: Services): Router {
  const router = Router();
  router.use('/staff', requireCapability('staff.manage'), requireRecentAuth(services.clock, '/admin/staff'));

  router.get('/staff', async (req, res) => {
    const [people, categories, twoFactor, mailSending] = await Promise.all([
      listStaffForAdmin(services.db),
      listActiveCategories(services.db),
      staffWithTwoFactor(services.db),
      mailSendingView(services, req),
    ]);
    const names = new Map(categories.map((c) => [Number(c.id), c.name]));
    res.render('admin/staff-list', {
      title: req.t('staffAdmin.title'),
      people: people.map((p) => ({
        ...p,
        categoryNames: p.categoryIds.map((id) => names.get(id)).filter(Boolean),
        twoFactor: twoFactor.has(p.id),
      })),
      tz: await services.settings.get('helpdesk.timezone'),
      mailSending,
      notice: noticeOf(req, mailSending),
    });
  });

  async function renderForm(
    req: Request,
    res: Response,
    person: StaffListRow | null,
    values: Values,
    errors: Record<string, string> = {},
    status = 200,
  ) {
    const [roles, categories, mailSending] = await Promise.all([
      listRoles(services.db),
      listActiveCategories(services.db),
      mailSendingView(services, req),
    ]);
    const roleOptions = [
      ...(req.user!.isAdmin ? [{ value: 'admin', label: req.t('staffAdmin.roleAdmin') }] : []),
      { value: 'default', label: req.t('staffAdmin.roleDefault') },
      ...roles.map((r) => ({ value: String(r.id), label: r.name })),
    ];
    // An invitation cannot arrive while mail is not sent, so a new form then starts with "Set a password now".
    const method = person || values.method ? values.method : mailSending.canSend ? 'invite' : 'password';
    res.status(status).render('admin/staff-form', {
      title: person ? req.t('staffAdmin.editTitle', { name: person.name }) : req.t('staffAdmin.newTitle'),
      person,
      values: { ...values, method },
      errors,
      roleOptions,
      categories: categories.map((c) => ({ id: Number(c.id), name: c.name })),
      mailSending,
      notice: noticeOf(req, mailSending),
    });
  }

  // A new colleague starts with the categories the one adding them works (all, for an administrator):
  // with none ticked they would see no ticket at all.
  router.get('/staff/new', async (req, res) => {
    const visible = await visibleCategoryIds(services.db, req.user!);
    const categories =
      visible === 'all' ? (await listActiveCategories(services.db)).map((c) => String(c.id)) : visible.map(String);
    await renderForm(req, res, null, { name: '', email: '', method: '', role: 'default', categories });
  });
  router.post('/staff', async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    try {
      await createStaff(services, adminActorOf(req), body);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      return renderForm(req, res, null, valuesOf(body), err.details ?? {}, 400);
    }
    res.redirect(303, `/admin/staff?done=${body.method === 'invite' ? 'invited' : 'created'}`);
  });

  router.get('/staff/:id', async (req, res) => {
    const person = await staffAccount(services.db, idParam(req.params.id));
    await renderForm(req, res, person, valuesOfPerson(person));
  });
  router.post('/staff/:id', async (req, res) => {
    const id = idParam(req.params.id);
    const body = (req.body ?? {}) as Record<string, unknown>;
    try {
      await updateStaff(services, adminActorOf(req), id, body);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      return renderForm(req, res, await staffAccount(services.db, id), valuesOf(body), err.details ?? {}, 400);
    }
    res.redirect(303, `/admin/staff/${id}?done=saved`);
  });

  const activation = (active: boolean) => async (req: Request, res: Response) => {
    const id = idParam(req.params.id);
    try {
      await setStaffActive(services, adminActorOf(req), id, active);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      const person = await staffAccount(services.db, id);
      return renderForm(req, res, person, valuesOfPerson(person), err.details ?? {}, 400);
    }
    res.redirect(303, `/admin/staff/${id}?done=${active ? 'reactivated' : 'deactivated'}`);
  };
  router.post('/staff/:id/deactivate', activation(false));
  router.post('/staff/:id/reactivate', activation(true));
  router.post('/staff/:id/resend', async (req, res) => {
    const id = idParam(req.params.id);
    await resendInvitation(services, adminActorOf(req), id);
    res.redirect(303, `/admin/staff/${id}?done=resent`);
  });
  router.post('/staff/:id/reset-password', async (req, res) => {
    const id = idParam(req.params.id);
    await resetPasswordOf(services, adminActorOf(req), id);
    res.redirect(303, `/admin/staff/${id}?done=passwordReset`);
  });
  return router;
}
