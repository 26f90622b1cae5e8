import { Router, type Request, type Response } from 'express';
import { listActiveCategories } from '../../categories/categories.repo';
import { ValidationError } from '../../errors';
import { fetchPolicy } from '../../jobs/mail-fetch';
import { inboundMailActive } from '../../mail/inbound';
import { listMailboxes, type MailboxRow } from '../../mailboxes/mailboxes.repo';
import {
  howMailboxIsRead,
  mailboxForAdmin,
  mailboxFormValues,
  removeMailbox,
  saveMailbox,
  testMailboxForm,
} from '../../mailboxes/mailboxes.service';
import { listPriorities } from '../../tickets/statuses.repo';
import type { Services } from '../app-services';
import { requireAdmin } from '../auth/guards';
import { idParam } from '../params';
import { adminActorOf, formBody, keptForm } from './admin-actor';
import { describeConnectionTest, describeLastError, type ConnectionTestView } from './mailbox-test.view';

/**
 * /admin/mailboxes: the IMAP and POP3 mailboxes mail is fetched from. Administrators only, like
 * the SMTP settings: a mailbox's host receives its stored password.
 */
export function mailboxRoutes(services: Services): Router {
  const router = Router();
  router.use('/mailboxes', requireAdmin);
  const signing = services.config.secrets.signing;

  router.get('/mailboxes', async (req, res) => {
    const [boxes, settings] = await Promise.all([listMailboxes(services.db), services.settings.all()]);
    const now = services.clock.now();
    res.render('admin/mailboxes', {
      title: req.t('mailboxes.title'),
      boxes: boxes.map((b) => ({
        ...b,
        lastErrorView: describeLastError(b.last_error),
        reading: howMailboxIsRead(b, now),
      })),
      pollSeconds: Math.round(fetchPolicy.intervalMs / 1000),
      repliesInvited: inboundMailActive(settings),
      notice:
        typeof req.query.done === 'string' && ['saved', 'deleted'].includes(req.query.done)
          ? `mailboxes.done.${req.query.done}`
          : null,
    });
  });

  async function renderForm(
    req: Request,
    res: Response,
    editing: MailboxRow | null,
    values: Record<string, string>,
    errors: Record<string, string> = {},
    status = 200,
    test: ConnectionTestView | null = null,
  ) {
    const [categories, priorities] = await Promise.all([
      listActiveCategories(services.db),
      listPriorities(services.db),
    ]);
    res.status(status).render('admin/mailbox', {
      title: editing ? req.t('mailboxes.editTitle') : req.t('mailboxes.newTitle'),
      editing,
      values: { ...values, password: '' },
      errors,
      categories,
      priorities,
      test,
    });
  }

  /** What was typed, for the form shown again: strings only, never the password. */
  const typed = (req: Request): Record<string, string> => {
    const kept = keptForm(formBody(req));
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(kept)) if (typeof v === 'string' && k !== 'password') out[k] = v.slice(0, 300);
    return out;
  };

  router.get('/mailboxes/new', (req, res) => renderForm(req, res, null, mailboxFormValues(null)));
  router.get('/mailboxes/:id', async (req, res) => {
    const box = await mailboxForAdmin(services.db, idParam(req.params.id));
    await renderForm(req, res, box, mailboxFormValues(box));
  });

  const submit = async (req: Request, res: Response, id: number | null) => {
    const editing = id === null ? null : await mailboxForAdmin(services.db, id);
    const body = formBody(req);
    const values = { ...mailboxFormValues(editing), active: '', ...typed(req) };
    if (body.intent === 'test') {
      try {
        const result = await testMailboxForm(services.db, signing, editing?.id ?? null, body);
        return renderForm(
          req,
          res,
          editing,
          values,
          {},
          200,
          describeConnectionTest(result, values, typeof body.password === 'string' && body.password !== ''),
        );
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        return renderForm(req, res, editing, values, err.details ?? {}, 400);
      }
    }
    try {
      await saveMailbox(services.db, signing, adminActorOf(req), editing?.id ?? null, body, services.clock.now());
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      return renderForm(req, res, editing, values, err.details ?? {}, 400);
    }
    services.settings.invalidate(); // the mailboxes' addresses are kept beside the settings
    res.redirect(303, '/admin/mailboxes?done=saved');
  };
  router.post('/mailboxes', (req, res) => submit(req, res, null));
  router.post('/mailboxes/:id', (req, res) => submit(req, res, idParam(req.params.id)));
  router.post('/mailboxes/:id/delete', async (req, res) => {
    await removeMailbox(services.db, adminActorOf(req), idParam(req.params.id), services.clock.now());
    services.settings.invalidate();
    res.redirect(303, '/admin/mailboxes?done=deleted');
  });
  return router;
}
