import cookieParser from 'cookie-parser';
import express, { type Express } from 'express';
import type { i18n } from 'i18next';
import type { Db } from '../db/db';
import { SchemaStatus } from '../db/schema-status';
import type { Logger } from '../logger';
import { createServices, type Services } from './app-services';
import { catalogCss, catalogLocals } from './catalog-locals';
import { fromRoot } from '../paths';
import { requestLanguage } from '../i18n/request-language';
import type { AppDeps } from './app-deps';
import { createPassport } from './auth/passport';
import { requireStaff } from './auth/guards';
import { cannedRoutes } from './admin/canned.routes';
import { kbAdminRoutes } from './admin/kb.routes';
import { dashboardRoutes } from './admin/dashboard.routes';
import { loginRoutes } from './admin/login.routes';
import { loginCodeRoutes } from './admin/login-code.routes';
import { profileRoutes } from './admin/profile.routes';
import { twoFactorRoutes } from './admin/two-factor.routes';
import { confirmAccessRoutes } from './admin/confirm-access.routes';
import { twoFactorRequired } from './auth/two-factor-required';
import { staffTwoFactorRoutes } from './admin/staff-two-factor.routes';
import { areasFor } from './admin/admin-areas';
import { manageRoutes } from './admin/manage.routes';
import { backupRoutes } from './admin/backups.routes';
import { categoryRoutes } from './admin/categories.routes';
import { fieldRoutes } from './admin/fields.routes';
import { ticketStateRoutes } from './admin/ticket-states.routes';
import { apiTokenRoutes } from './admin/api-tokens.routes';
import { rolesRoutes } from './admin/roles.routes';
import { staffRoutes } from './admin/staff.routes';
import { staffLinkRoutes } from './admin/staff-links.routes';
import { slaRoutes } from './admin/sla.routes';
import { banRoutes } from './admin/bans.routes';
import { mailboxRoutes } from './admin/mailboxes.routes';
import { mailInboundRoutes } from './admin/mail-inbound.routes';
import { privacyRoutes } from './admin/privacy.routes';
import { settingsRoutes } from './admin/settings.routes';
import { auditRoutes } from './admin/audit.routes';
import { templateRoutes } from './admin/templates.routes';
import { ticketPageRoutes } from './admin/ticket.routes';
import { ticketListRoutes } from './admin/tickets.routes';
import { upgradeRoutes } from './admin/upgrade.routes';
import { healthRoutes } from './health.routes';
import { helpdeskRoutes } from './helpdesk/home.routes';
import { createCsrf } from './middleware/csrf';
import { ensureFormBinding, formBindingOf, formFallbackOf } from './middleware/form-binding';
import { apiRoutes } from './api/api.routes';
import { bearerAuth } from './api/bearer-auth';
import { errorHandler, notFound } from './middleware/errors';
import { multipartForms } from './middleware/multipart';
import { refuseNul } from './middleware/no-nul';
import { requestLogger } from './middleware/request-logger';
import { baseLocals, sessionLocals } from './middleware/locals';
import { securityHeaders } from './middleware/security-headers';
import { sessionMiddleware } from './middleware/session';
import { upgradeGate } from './middleware/upgrade-gate';
import { computeAssetVersion, staticFiles } from './static';
import { runModeOf, type RunMode } from './run-mode';
import { viewEngine } from './view-engine';
import { systemEnv } from '../config/load-config';

/**
 * The part of the stack the help desk and the install wizard share: settings, logging, security
 * headers, static files, health checks, cookies, form bodies, languages and the view locals.
 * Nothing in it touches the database except /readyz.
 */
export function baseApp(opts: {
  trustProxy: boolean | number | string;
  viewDirs: string[];
  logger: Logger;
  i18n: i18n;
  db: Db | null;
  mode?: RunMode;
}): Express {
  const app = express();
  app.set('trust proxy', opts.trustProxy);
  app.set('view engine', 'ejs');
  app.engine('ejs', viewEngine());
  app.set('views', opts.viewDirs);
  // Templates and their partials compiled once and kept, whatever NODE_ENV says, unless in
  // development mode (then an edited view shows on the next request).
  app.set('view cache', (opts.mode ?? runModeOf(systemEnv)) === 'production');
  app.set('query parser', 'simple');
  app.disable('x-powered-by');
  app.use(requestLogger(opts.logger));
  app.use(securityHeaders());
  app.use('/static', staticFiles());
  app.use(healthRoutes(opts.db));
  app.use(cookieParser());
  // Languages and view locals come before anything that can refuse a request (a body too large,
  // a NUL in the query): the error page needs them to render.
  app.use(requestLanguage(opts.i18n));
  app.use(baseLocals(computeAssetVersion()));
  app.use(express.urlencoded({ extended: false, limit: '200kb', parameterLimit: 200 }));
  app.use(refuseNul);
  return app;
}

/** Builds the installed help desk without listening; src/server.ts listens, tests use supertest. */
export function createApp(deps: AppDeps, prebuilt?: { services?: Services; mode?: RunMode }): Express {
  const app = baseApp({
    trustProxy: deps.config.server.trustProxy,
    viewDirs: [fromRoot('views')],
    logger: deps.logger,
    i18n: deps.i18n,
    db: deps.db,
    mode: prebuilt?.mode,
  });
  const services = prebuilt?.services ?? createServices(deps);
  const schemaStatus = new SchemaStatus(deps.db);
  const passport = createPassport({ ...deps, signingSecret: deps.config.secrets.signing });
  const csrf = createCsrf({
    secret: deps.config.secrets.signing,
    sessionIdOf: formBindingOf,
    fallbackIdOf: formFallbackOf,
    beforeIssue: ensureFormBinding,
  });

  // The wizard is gone once installed, whatever state the database is in (no query before this).
  app.use('/install', notFound);
  app.get('/catalog.css', catalogCss(services));
  app.get('/', (_req, res) => res.redirect(302, '/helpdesk'));
  // The API is stateless: mounted before sessions and CSRF, which belong to the pages.
  app.use('/api/v1', upgradeGate(schemaStatus), bearerAuth(services), apiRoutes(services), notFound);

  app.use(sessionMiddleware(deps));
  // Pages carry a person's tickets and a form token: never kept by the browser or a proxy (the
  // back button after signing out on a shared computer must not show them). Static files come
  // before this and stay cacheable.
  app.use((_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });
  app.use(passport.initialize());
  app.use(passport.session());
  app.use(sessionLocals(csrf));
  app.use(csrf.protect);
  app.use(multipartForms(services));
  app.use(upgradeGate(schemaStatus));
  // Every page carries the help desk's name in its top bar (settings are cached in memory).
  app.use(async (req, res, next) => {
    res.locals.brand = await services.settings.get('helpdesk.name');
    res.locals.hasAdminAreas = areasFor(req.user).length > 0;
    next();
  });
  app.use(catalogLocals(services));

  app.use('/helpdesk', helpdeskRoutes(services));
  app.use('/admin', loginRoutes(deps, passport));
  app.use('/admin', staffLinkRoutes(services));
  app.use('/admin', loginCodeRoutes(services));
  app.use(twoFactorRequired(services));
  app.use('/admin', requireStaff, profileRoutes(services), twoFactorRoutes(services), confirmAccessRoutes(services));
  app.use('/admin', upgradeRoutes(deps, schemaStatus));
  app.use('/admin', settingsRoutes(services));
  app.use('/admin', auditRoutes(services));
  app.use('/admin', backupRoutes(services));
  app.use('/admin', templateRoutes(services));
  app.use('/admin', requireStaff, ticketListRoutes(services), ticketPageRoutes(services), cannedRoutes(services));
  app.use('/admin', requireStaff, manageRoutes());
  app.use('/admin', requireStaff, categoryRoutes(services), fieldRoutes(services), ticketStateRoutes(services));
  app.use('/admin', requireStaff, apiTokenRoutes(services));
  app.use('/admin', requireStaff, rolesRoutes(services), staffRoutes(services), staffTwoFactorRoutes(services));
  app.use('/admin', requireStaff, banRoutes(services), privacyRoutes(services));
  app.use('/admin', requireStaff, slaRoutes(services));
  app.use('/admin', requireStaff, kbAdminRoutes(services));
  app.use('/admin', requireStaff, mailboxRoutes(services), mailInboundRoutes(services));
  app.use('/admin', requireStaff, dashboardRoutes(services));

  app.use(notFound);
  app.use(errorHandler(deps.logger));
  return app;
}
