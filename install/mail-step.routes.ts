import { Router, type Request, type Response } from 'express';
import { mailSettingsOf, mailStepSchema, sendWizardTestMail, type MailStepInput } from '../src/setup/mail-step';
import { fieldErrors } from '../src/setup/setup.schema';
import { createTestMailLimit } from '../src/setup/test-mail-limit';
import { describeTest, type TestView } from '../src/web/admin/mail-test.view';
import type { Settings } from '../src/settings/settings.schema';
import { formText, guard, renderStep, type WizardDeps } from './wizard-kit';

type MailValues = { host: string; port: string; security: string; user: string; password: string; from: string };
const securities = ['starttls', 'tls', 'none'];

function valuesOf(body: Record<string, unknown>, fallbackFrom: string): MailValues {
  const str = (k: string) => formText(body, k).slice(0, 300);
  return {
    host: str('host'),
    port: str('port').trim() || '587',
    security: securities.includes(str('security')) ? str('security') : 'starttls',
    user: str('user'),
    // Kept (in the encrypted wizard cookie and the page) so "test" then "continue" needs no retyping, as on the database step.
    password: str('password'),
    from: str('from') || fallbackFrom,
  };
}

const savedValues = (saved: MailStepInput): MailValues => ({ ...saved, port: String(saved.port) });

/**
 * The optional e-mail step: the SMTP server the help desk sends through, a "Send a test mail"
 * button that reports what the server answered, and "Skip" (mail is then only written to a file,
 * and every staff page says so until sending is set up). What is kept here becomes the sending
 * settings when the install runs (see installer.ts), stored as the settings page stores them.
 * The test mail goes only to the support address of the basics step, never to a typed-in
 * recipient, and is limited per client and per wizard (test-mail-limit.ts): before the install
 * anyone can reach this page.
 */
export function mailStepRoutes(deps: WizardDeps): Router {
  const router = Router();
  const spendTestMail = createTestMailLimit();
  const render = (
    res: Response,
    values: MailValues,
    extra: { errors?: Record<string, string>; test?: TestView | null } = {},
    status = 200,
  ) =>
    renderStep(
      res,
      'mail',
      {
        values,
        errors: extra.errors ?? {},
        test: extra.test ?? null,
        securities,
        testTo: res.req.wizard!.basics?.email ?? '',
      },
      status,
    );

  router.get('/mail', guard(deps, 'mail'), (req: Request, res: Response) => {
    const saved = req.wizard!.mail;
    deps.save(req, res);
    render(res, saved && !('skipped' in saved) ? savedValues(saved) : valuesOf({}, req.wizard!.basics?.email ?? ''));
  });

  router.post('/mail', guard(deps, 'mail'), async (req: Request, res: Response) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const state = req.wizard!;
    if (body.action === 'skip') {
      state.mail = { skipped: true };
      deps.save(req, res);
      return res.redirect(303, '/install/admin');
    }
    const values = valuesOf(body, '');
    const parsed = mailStepSchema.safeParse({ ...body, port: values.port });
    if (!parsed.success) return render(res, values, { errors: fieldErrors(parsed.error) }, 400);
    if (body.action === 'test') {
      const testTo = state.basics!.email;
      const waitSeconds = spendTestMail(req.ip, state.id, Date.now());
      if (waitSeconds !== null) {
        res.set('Retry-After', String(waitSeconds));
        const tooMany: TestView = {
          ok: false,
          message: 'install.mail.tooManyTests',
          vars: { minutes: String(Math.ceil(waitSeconds / 60)) },
          detail: null,
          reply: null,
        };
        return render(res, values, { test: tooMany }, 429);
      }
      const result = await sendWizardTestMail(
        { i18n: deps.i18n, dataDir: deps.dataDir, now: Date.now() },
        parsed.data,
        state.basics!,
        testTo,
      );
      const settings = mailSettingsOf(parsed.data) as Settings;
      return render(res, values, { test: describeTest(result, settings, testTo) });
    }
    state.mail = parsed.data;
    deps.save(req, res);
    res.redirect(303, '/install/admin');
  });
  return router;
}
