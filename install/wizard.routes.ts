import fs from 'node:fs';
import { Router, type Response } from 'express';
import { defaultPortOf } from '../src/db/dialect';
import { fromRoot } from '../src/paths';
import { toDatabaseConfig } from '../src/setup/database-config';
import { connectionErrorField, probeDatabase, type ProbeResult } from '../src/setup/db-probe';
import { databaseInputSchema, fieldErrors } from '../src/setup/setup.schema';
import { checksPass, driverAvailability, runServerChecks } from '../src/setup/server-checks';
import { finishRoutes } from './finish.routes';
import { mailStepRoutes } from './mail-step.routes';
import { formText, guard, renderStep, type WizardDeps } from './wizard-kit';
import { firstOpenStep } from './wizard-steps';

const clients = ['sqlite', 'mysql', 'postgres'] as const;

/** Before a choice the first database whose driver loads here is selected, not a greyed-out SQLite. */
function firstLoadingClient(): string {
  const drivers = driverAvailability();
  return clients.find((c) => drivers[c]) ?? 'sqlite';
}

function databaseFormValues(body: Record<string, unknown>) {
  const str = (k: string) => formText(body, k);
  const client = (clients as readonly string[]).includes(str('client')) ? str('client') : firstLoadingClient();
  const port = str('port').trim() || String(defaultPortOf[client as 'mysql'] ?? '');
  // The password is kept so "test" then "continue" needs no retyping (a password field hides it).
  return { client, host: str('host'), port, database: str('database'), user: str('user'), password: str('password') };
}

/** Welcome + licence, the server check and the database step. */
export function wizardRoutes(deps: WizardDeps): Router {
  const router = Router();
  // Paragraphs reflowed so the licence reads well at any width.
  const licence = fs.readFileSync(fromRoot('LICENSE'), 'utf8').replace(/([^\n])\n(?!\n)/g, '$1 ');
  const dirs = { config: deps.configDir, data: deps.dataDir, attachments: deps.attachmentsDir };

  router.get('/', (req, res) => res.redirect(303, `/install/${firstOpenStep(req.wizard!)}`));

  router.get('/welcome', (req, res) => {
    deps.save(req, res);
    renderStep(res, 'welcome', { licence, error: null, accepted: Boolean(req.wizard!.licence) });
  });
  router.post('/welcome', (req, res) => {
    if (req.body?.accept !== 'yes')
      return renderStep(res, 'welcome', { licence, error: 'install.welcome.mustAccept', accepted: false }, 400);
    req.wizard!.licence = true;
    deps.save(req, res);
    res.redirect(303, '/install/checks');
  });

  router.get('/checks', guard(deps, 'checks'), (req, res) => {
    const results = runServerChecks(dirs);
    deps.save(req, res);
    renderStep(res, 'checks', { results, pass: checksPass(results) });
  });
  router.post('/checks', guard(deps, 'checks'), (req, res) => {
    const results = runServerChecks(dirs);
    if (!checksPass(results)) return renderStep(res, 'checks', { results, pass: false }, 400);
    req.wizard!.checks = true;
    deps.save(req, res);
    res.redirect(303, '/install/database');
  });

  const renderDatabase = (
    res: Response,
    values: ReturnType<typeof databaseFormValues>,
    extra: { errors?: Record<string, string>; probe?: ProbeResult | null },
    status = 200,
  ) =>
    renderStep(
      res,
      'database',
      { values, drivers: driverAvailability(), errors: extra.errors ?? {}, probe: extra.probe ?? null },
      status,
    );

  router.get('/database', guard(deps, 'database'), (req, res) => {
    const saved = req.wizard!.database;
    const values = databaseFormValues(saved && saved.client !== 'sqlite' ? { ...saved, port: String(saved.port) } : {});
    deps.save(req, res);
    renderDatabase(res, values, {});
  });

  router.post('/database', guard(deps, 'database'), async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const values = databaseFormValues(body);
    const parsed = databaseInputSchema.safeParse({ ...body, port: values.port });
    if (!parsed.success) return renderDatabase(res, values, { errors: fieldErrors(parsed.error) }, 400);
    // SQLite has no server fields: its problems stay on the choice of database.
    const serverField = (field: string) => (parsed.data.client === 'sqlite' ? 'client' : field);
    const probe = await probeDatabase(toDatabaseConfig(parsed.data, deps.config.database), deps.dataDir);
    if (!probe.ok)
      return renderDatabase(
        res,
        values,
        { probe, errors: { [serverField(connectionErrorField(probe.errorKey))]: probe.errorKey } },
        400,
      );
    if (probe.missing.length > 0)
      return renderDatabase(
        res,
        values,
        { probe, errors: { [serverField('user')]: 'install.database.errors.privileges' } },
        400,
      );
    if (probe.existing === 'conflict')
      return renderDatabase(
        res,
        values,
        { probe, errors: { [serverField('database')]: 'install.database.errors.tableClash' } },
        400,
      );
    if (body.action === 'test') return renderDatabase(res, values, { probe });

    req.wizard!.database = parsed.data;
    req.wizard!.existing = probe.existing;
    deps.save(req, res);
    res.redirect(303, probe.existing === 'installed' ? '/install/existing' : '/install/basics');
  });

  router.use(mailStepRoutes(deps), finishRoutes(deps));
  return router;
}
