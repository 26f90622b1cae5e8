import { Router, type Request, type Response } from 'express';
import { AppError, ValidationError } from '../src/errors';
import { isLanguage } from '../src/i18n/i18n';
import { toDatabaseConfig } from '../src/setup/database-config';
import { attachExisting, installFresh } from '../src/setup/installer';
import { withInstallLock } from '../src/setup/install-lock';
import { adminSchema, basicsSchema, fieldErrors, timeZones } from '../src/setup/setup.schema';
import { passwordMinLength } from '../src/staff/password';
import { mailSettingsOf } from '../src/setup/mail-step';
import { clearState } from './wizard-state';
import { formText as str, guard, renderStep, type WizardDeps } from './wizard-kit';

function publicUrlOf(req: Request): string {
  return `${req.protocol}://${req.get('host') ?? 'localhost'}`.slice(0, 255);
}

/**
 * The finish page answers the final POST; the wizard is closed from then on, so its language
 * links lead to the sign-in page instead of back into /install.
 */
function renderFinish(res: Response, helpdeskName: string | null, adminEmail: string): void {
  const languages = res.locals.languages as Array<{ code: string; href: string }>;
  res.locals.languages = languages.map((l) => ({ ...l, href: `/admin/login?lang=${l.code}` }));
  renderStep(res, 'finish', { helpdeskName, adminEmail });
}

/** Help desk basics, the first admin (which runs the install), and joining an existing database. */
export function finishRoutes(deps: WizardDeps): Router {
  const router = Router();
  const ctx = { env: deps.env, configDir: deps.configDir, version: deps.version, now: () => Date.now() };

  const renderBasics = (
    res: Response,
    values: Record<string, string>,
    errors: Record<string, string> = {},
    status = 200,
    guessTimezone = false,
  ) =>
    renderStep(
      res,
      'basics',
      { values, errors, timeZones, guessTimezone, partial: res.req.wizard!.existing === 'partial' },
      status,
    );

  router.get('/basics', guard(deps, 'basics'), (req, res) => {
    const b = req.wizard!.basics;
    const lang = isLanguage(req.language) ? req.language : 'en';
    deps.save(req, res);
    if (b) return renderBasics(res, { ...b });
    renderBasics(res, { name: '', url: publicUrlOf(req), email: '', timezone: 'UTC', language: lang }, {}, 200, true);
  });
  router.post('/basics', guard(deps, 'basics'), (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const values = Object.fromEntries(['name', 'url', 'email', 'timezone', 'language'].map((k) => [k, str(body, k)]));
    const parsed = basicsSchema.safeParse(body);
    if (!parsed.success) return renderBasics(res, values, fieldErrors(parsed.error), 400);
    req.wizard!.basics = parsed.data;
    deps.save(req, res);
    res.redirect(303, '/install/mail');
  });

  const renderAdmin = (
    res: Response,
    values: Record<string, string>,
    errors: Record<string, string> = {},
    status = 200,
  ) => renderStep(res, 'admin', { values, errors, minLength: passwordMinLength }, status);

  router.get('/admin', guard(deps, 'admin'), (req, res) => {
    deps.save(req, res);
    // Not the support mailbox of the step before: that is the help desk's address, not this person's.
    renderAdmin(res, { name: '', email: '' });
  });
  router.post('/admin', guard(deps, 'admin'), async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const values = { name: str(body, 'name'), email: str(body, 'email') };
    const parsed = adminSchema.safeParse(body);
    if (!parsed.success) return renderAdmin(res, values, fieldErrors(parsed.error), 400);
    const state = req.wizard!;
    const database = toDatabaseConfig(state.database!, deps.config.database);
    try {
      const mail = state.mail && !('skipped' in state.mail) ? mailSettingsOf(state.mail) : undefined;
      await withInstallLock(deps.configDir, () =>
        installFresh(ctx, { database, basics: state.basics!, admin: parsed.data, mail }),
      );
    } catch (err) {
      if (err instanceof ValidationError) return renderAdmin(res, values, err.details ?? {}, 400);
      if (err instanceof AppError && err.code === 'database_in_use') {
        state.existing = 'installed';
        deps.save(req, res);
        return res.redirect(303, '/install/existing');
      }
      if (err instanceof AppError) throw err;
      deps.logger.error({ err }, 'install failed');
      return renderAdmin(res, values, { form: 'install.admin.failed' }, 500);
    }
    deps.logger.info({ client: database.client }, 'Tessera installed');
    clearState(res);
    await deps.markFinished();
    renderFinish(res, state.basics!.name, parsed.data.email);
  });

  const existingAllowed = (req: Request, res: Response, next: () => void) =>
    req.wizard!.licence && req.wizard!.database && req.wizard!.existing === 'installed'
      ? next()
      : res.redirect(303, '/install');

  router.get('/existing', existingAllowed, (req, res) => {
    deps.save(req, res);
    renderStep(res, 'existing', { values: { email: '' }, errors: {} }, 200);
  });
  router.post('/existing', existingAllowed, async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const email = str(body, 'email').trim();
    const password = str(body, 'password');
    if (!email || !password)
      return renderStep(
        res,
        'existing',
        { values: { email }, errors: { password: 'install.existing.badCredentials' } },
        400,
      );
    const database = toDatabaseConfig(req.wizard!.database!, deps.config.database);
    try {
      await withInstallLock(deps.configDir, () => attachExisting(ctx, { database, email, password }));
    } catch (err) {
      if (err instanceof ValidationError)
        return renderStep(res, 'existing', { values: { email }, errors: err.details ?? {} }, 400);
      throw err;
    }
    clearState(res);
    await deps.markFinished();
    renderFinish(res, null, email);
  });
  return router;
}
