import type http from 'node:http';
import type { i18n } from 'i18next';
import { systemClock } from './clock';
import type { AppConfig } from './config/config.schema';
import { configDirFrom, loadConfig, systemEnv, type Env } from './config/load-config';
import type { Db } from './db/db';
import { createKnex } from './db/knex-factory';
import { createI18n } from './i18n/i18n';
import { createLogger, type Logger } from './logger';
import { appVersion, resolveFromRoot } from './paths';
import { startJobs, type JobRunner } from './jobs/job-runner';
import { lmtpListenOf } from './config/lmtp-address';
import { lmtpSecretOf } from './mail-intake/lmtp-address';
import { keepLmtpReceiver } from './mail-intake/lmtp-receiver';
import { createApp } from './web/app';
import { runModeOf } from './web/run-mode';
import { createServices } from './web/app-services';

/** What the install wizard needs; install/ provides the factory, so src/ never imports it. */
export type InstallAppDeps = {
  config: AppConfig;
  configDir: string;
  env: Env;
  logger: Logger;
  i18n: i18n;
  version: string;
  /** Called once the install is complete; the server then switches to the help desk. */
  onInstalled(): Promise<void>;
};
export type InstallAppFactory = (deps: InstallAppDeps) => Handler;

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

export type Tessera = {
  handle: Handler;
  installed(): boolean;
  close(): Promise<void>;
  logger: Logger;
  config: AppConfig;
};

/**
 * Chooses what to serve: the install wizard until Tessera is installed, the help desk after.
 * When the wizard finishes, the help desk takes over in the same process without a restart.
 */
export function createTessera(createInstallApp: InstallAppFactory, env: Env = systemEnv, logger?: Logger): Tessera {
  const config = loadConfig(env);
  const log = logger ?? createLogger(config.log.level);
  const i18n = createI18n();
  let db: Db | null = null;
  let jobs: JobRunner | null = null;
  let lmtp: { close(): Promise<void> } | null = null;
  let handle: Handler;

  // Background work (mail delivery) runs in the web process too; every process may, safely.
  const startHelpdesk = () => {
    const current = loadConfig(env);
    db = createKnex(current.database, resolveFromRoot(current.paths.data), { logger: log });
    const services = createServices({ config: current, db, logger: log, i18n, clock: systemClock });
    handle = createApp(services, { services, mode: runModeOf(env) });
    jobs = startJobs(services, { listen: true, intervalMs: current.jobs?.intervalMs });
    // Mail from the machine's mail server by LMTP (server.lmtp): the resident receiver instead of a
    // process per mail; one that cannot listen yet tries again (the MTA keeps the mail meanwhile).
    // A loopback port takes mail only after the sign-in (the password derives from the signing secret).
    lmtp = current.server.lmtp
      ? keepLmtpReceiver(services, lmtpListenOf(current.server.lmtp), {
          secret: lmtpSecretOf(current.secrets.signing),
          socketMode: parseInt(current.server.lmtpSocketMode, 8),
        })
      : null;
  };

  if (config.installed) {
    startHelpdesk();
  } else {
    handle = createInstallApp({
      config,
      configDir: configDirFrom(env),
      env,
      logger: log,
      i18n,
      version: appVersion,
      onInstalled: async () => startHelpdesk(),
    });
  }
  return {
    handle: (req, res) => handle(req, res),
    installed: () => db !== null,
    close: async () => {
      await lmtp?.close();
      await jobs?.stop();
      await db?.destroy();
    },
    logger: log,
    config,
  };
}
