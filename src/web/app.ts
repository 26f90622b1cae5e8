import cookieParser from 'cookie-parser';
import express, { type Express } from 'express';
import { handle as i18nHandle } from 'i18next-http-middleware';
import { SchemaStatus } from '../db/schema-status';
import { fromRoot } from '../paths';
import type { AppDeps } from './app-deps';
import { createPassport } from './auth/passport';
import { requireStaff } from './auth/guards';
import { dashboardRoutes } from './admin/dashboard.routes';
import { loginRoutes } from './admin/login.routes';
import { upgradeRoutes } from './admin/upgrade.routes';
import { healthRoutes } from './health.routes';
import { helpdeskRoutes } from './helpdesk/home.routes';
import { createCsrf } from './middleware/csrf';
import { errorHandler, notFound } from './middleware/errors';
import { requestLogger } from './middleware/request-logger';
import { baseLocals, sessionLocals } from './middleware/locals';
import { securityHeaders } from './middleware/security-headers';
import { sessionMiddleware } from './middleware/session';
import { upgradeGate } from './middleware/upgrade-gate';
import { computeAssetVersion, staticFiles } from './static';

/** Settings shared by the help desk app and the install wizard. */
export function configureExpress(app: Express, opts: { trustProxy: boolean | number | string; viewDirs: string[] }): void {
  app.set('trust proxy', opts.trustProxy);
  app.set('view engine', 'ejs');
  app.set('views', opts.viewDirs);
  app.set('query parser', 'simple');
  app.disable('x-powered-by');
}

/** Builds the installed help desk without listening; src/server.ts listens, tests use supertest. */
export function createApp(deps: AppDeps): Express {
  const app = express();
  configureExpress(app, { trustProxy: deps.config.server.trustProxy, viewDirs: [fromRoot('views')] });
  const schemaStatus = new SchemaStatus(deps.db);
  const passport = createPassport(deps);
  const csrf = createCsrf({ secret: deps.config.secrets.signing, sessionIdOf: (req) => req.session?.id ?? '' });

  app.use(requestLogger(deps.logger));
  app.use(securityHeaders());
  app.use('/static', staticFiles());
  app.use(healthRoutes(deps.db));
  app.use(cookieParser());
  app.use(express.urlencoded({ extended: false, limit: '200kb', parameterLimit: 200 }));
  app.use(i18nHandle(deps.i18n));
  app.use(baseLocals(computeAssetVersion()));
  // The wizard is gone once installed, whatever state the database is in (no query before this).
  app.use('/install', notFound);
  app.get('/', (_req, res) => res.redirect(302, '/helpdesk'));

  app.use(sessionMiddleware(deps));
  app.use(passport.initialize());
  app.use(passport.session());
  app.use(sessionLocals(csrf));
  app.use(csrf.protect);
  app.use(upgradeGate(schemaStatus));

  app.use('/helpdesk', helpdeskRoutes(deps));
  app.use('/admin', loginRoutes(deps, passport));
  app.use('/admin', upgradeRoutes(deps, schemaStatus));
  app.use('/admin', requireStaff, dashboardRoutes(deps));

  app.use(notFound);
  app.use(errorHandler(deps.logger));
  return app;
}
