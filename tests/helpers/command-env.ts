import type { DatabaseConfig } from '../../src/config/config.schema';
import type { InstalledApp } from './installed-app';

/**
 * The environment of a Tessera command started as its own process (an MTA's pipe, the host's
 * cron): only the variables that say where the installed help desk's database, files and
 * secrets are, with an empty configuration folder so nothing else is read.
 */
export function commandEnv(
  t: InstalledApp,
  configDir: string,
  database: DatabaseConfig = t.config.database,
): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    NODE: process.execPath,
    TESSERA_CONFIG_DIR: configDir,
    TESSERA_INSTALLED: 'true',
    TESSERA_DB_CLIENT: database.client,
    TESSERA_DB_FILENAME: database.filename,
    TESSERA_DB_HOST: database.host,
    TESSERA_DB_PORT: database.port === null ? '' : String(database.port),
    TESSERA_DB_NAME: database.database,
    TESSERA_DB_USER: database.user,
    TESSERA_DB_PASSWORD: database.password,
    TESSERA_DATA_DIR: t.config.paths.data,
    TESSERA_ATTACHMENTS_DIR: t.config.paths.attachments,
    TESSERA_SESSION_SECRET: t.config.secrets.session,
    TESSERA_SIGNING_SECRET: t.config.secrets.signing,
    TESSERA_LOG_LEVEL: 'silent',
  };
}
