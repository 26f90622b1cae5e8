import type { i18n } from 'i18next';
import type { Db } from '../db/db';
import type { Clock } from '../clock';
import type { AppConfig } from '../config/config.schema';
import type { Logger } from '../logger';

/** Everything the help desk app needs from outside; tests pass their own. */
export type AppDeps = {
  config: AppConfig;
  db: Db;
  logger: Logger;
  i18n: i18n;
  clock: Clock;
};
