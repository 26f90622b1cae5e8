import type { Express } from 'express';
import { fromRoot, resolveFromRoot } from '../src/paths';
import { baseApp } from '../src/web/app';
import { runModeOf } from '../src/web/run-mode';
import { createCsrf } from '../src/web/middleware/csrf';
import { loadConfig } from '../src/config/load-config';
import { NotFoundError } from '../src/errors';
import { errorHandler, notFound } from '../src/web/middleware/errors';
import type { InstallAppDeps } from '../src/tessera';
import { loadOrCreateKey, readState, writeState } from './wizard-state';
import type { WizardDeps } from './wizard-kit';
import { wizardRoutes } from './wizard.routes';

/**
 * The install wizard, served only while Tessera is not installed. Everything but /install,
 * static files and health checks redirects to /install.
 */
export function createInstallApp(deps: InstallAppDeps): Express {
  const app = baseApp({
    trustProxy: deps.config.server.trustProxy,
    viewDirs: [fromRoot('install', 'views'), fromRoot('views')],
    logger: deps.logger,
    i18n: deps.i18n,
    db: null,
    mode: runModeOf(deps.env),
  });
  const dataDir = resolveFromRoot(deps.config.paths.data);
  const key = loadOrCreateKey(dataDir);
  const csrf = createCsrf({ secret: key.toString('hex'), sessionIdOf: (req) => req.wizard?.id ?? '' });
  let finished = false;
  const finish = async () => {
    if (finished) return;
    finished = true;
    await deps.onInstalled();
  };
  // Another process (a hosting panel may run several) may have finished the install: its
  // local.json says so, and this process then closes its wizard too.
  const installedElsewhere = () => {
    try {
      return loadConfig(deps.env).installed;
    } catch {
      return false;
    }
  };

  app.use(async (req, res, next) => {
    if (!finished && installedElsewhere()) await finish();
    const wizardPath = req.path === '/install' || req.path.startsWith('/install/');
    // Once installed, the help desk answers from the next request on: send the visitor there.
    if (finished) return wizardPath ? next(new NotFoundError()) : res.redirect(302, req.originalUrl);
    if (!wizardPath) return res.redirect(302, '/install');
    res.set('Cache-Control', 'no-store');
    req.wizard = readState(req, key);
    res.locals.user = null;
    res.locals.csrfToken = () => csrf.tokenFor(req, res);
    next();
  });
  app.use(csrf.protect);

  const wizardDeps: WizardDeps = {
    ...deps,
    dataDir,
    attachmentsDir: resolveFromRoot(deps.config.paths.attachments),
    save: (req, res) => writeState(req, res, key, req.wizard!),
    markFinished: finish,
  };
  app.use('/install', wizardRoutes(wizardDeps));
  app.use(notFound);
  app.use(errorHandler(deps.logger));
  return app;
}
