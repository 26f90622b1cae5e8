import { Router, type Request, type Response } from 'express';
import { resolveFromRoot } from '../../paths';
import { sendTestMail, type TestMailResult } from '../../mail/mail.service';
import { mailLogFile } from '../../mail/transport';
import type { Settings } from '../../settings/settings.schema';
import type { SettingsService } from '../../settings/settings.service';
import type { AppDeps } from '../app-deps';
import { requireAdmin } from '../auth/guards';
import { formValuesOf, parseMailForm, testMailForm, type MailFormErrors, type MailFormValues } from './mail-settings.form';

type TestView = { ok: boolean; message: string; vars: Record<string, string>; detail: string | null; response: string | null };

type PageState = {
  values: MailFormValues;
  errors: MailFormErrors;
  saved: boolean;
  testTo: string;
  testError: string | null;
  test: TestView | null;
};

/** The outcome of a test e-mail in plain words: what happened, and what the server said. */
function describeTest(result: TestMailResult, settings: Settings, to: string): TestView {
  const where = { to, host: settings['mail.smtpHost'], port: String(settings['mail.smtpPort']), file: result.target };
  const outcome = result.outcome;
  if (outcome?.status === 'sent') {
    const logged = settings['mail.transport'] === 'log';
    return { ok: true, message: logged ? 'mailSettings.test.logged' : 'mailSettings.test.sent', vars: where, detail: null, response: logged ? null : outcome.response };
  }
  if (outcome?.status === 'failed' || outcome?.status === 'deferred') {
    return { ok: false, message: 'mailSettings.test.failed', vars: where, detail: `mailSettings.problem.${outcome.failure.problem}`, response: outcome.failure.response };
  }
  return { ok: false, message: 'mailSettings.test.failed', vars: where, detail: 'mailSettings.problem.other', response: null };
}

/** /admin/settings/mail: how the help desk sends e-mail, and a button to try it. Admins only. */
export function mailSettingsRoutes(deps: AppDeps & { settings: SettingsService }): Router {
  const router = Router();
  router.use('/settings/mail', requireAdmin);

  const render = async (req: Request, res: Response, status: number, state: PageState) => {
    const settings = await deps.settings.all();
    res.status(status).render('admin/settings-mail', {
      title: req.t('mailSettings.title'),
      brand: settings['helpdesk.name'],
      defaults: { name: settings['helpdesk.name'], email: settings['helpdesk.email'] },
      passwordSaved: settings['mail.smtpPassword'] !== '',
      logFile: mailLogFile(resolveFromRoot(deps.config.paths.data)),
      ...state,
    });
  };
  const fresh = async (req: Request): Promise<PageState> => ({
    values: formValuesOf(await deps.settings.all()),
    errors: {},
    saved: false,
    testTo: req.user!.email,
    testError: null,
    test: null,
  });

  router.get('/settings/mail', async (req, res) => {
    await render(req, res, 200, { ...(await fresh(req)), saved: req.query.saved === '1' });
  });

  router.post('/settings/mail', async (req, res) => {
    const form = parseMailForm(req.body, await deps.settings.all());
    if (!form.ok) return render(req, res, 400, { ...(await fresh(req)), values: form.values, errors: form.errors });
    await deps.settings.save(form.settings);
    deps.logger.info({ by: req.user!.email, transport: form.settings['mail.transport'] }, 'sending settings changed');
    res.redirect(303, '/admin/settings/mail?saved=1');
  });

  router.post('/settings/mail/test', async (req, res) => {
    const form = testMailForm.safeParse(req.body);
    if (!form.success) {
      const typed = typeof req.body?.testTo === 'string' ? String(req.body.testTo).slice(0, 254) : '';
      return render(req, res, 400, { ...(await fresh(req)), testTo: typed, testError: 'form.invalidEmail' });
    }
    const to = form.data.testTo;
    const result = await sendTestMail({ ...deps }, { to, language: req.language, requestedBy: req.user!.name });
    await render(req, res, 200, { ...(await fresh(req)), testTo: to, test: describeTest(result, await deps.settings.all(), to) });
  });

  return router;
}
