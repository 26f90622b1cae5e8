import type { Express } from 'express';
import pino from 'pino';
import { createKnex } from '../../src/db/knex-factory';
import { createI18n } from '../../src/i18n/i18n';
import { createApp } from '../../src/web/app';
import { testClock, testConfig } from './installed-app';
import { tempDir } from './test-db';

/**
 * An installed help desk whose database server does not answer (nothing listens on port 1),
 * whichever database the suite runs on: the outage as every request meets it.
 */
export function unreachableDatabaseApp(): { app: Express; close(): Promise<void> } {
  const config = testConfig(
    {
      client: 'mysql',
      filename: 'x.sqlite',
      host: '127.0.0.1',
      port: 1,
      database: 'tessera',
      user: 'root',
      password: '',
      ssl: false,
      poolMax: 2,
    },
    tempDir(),
  );
  const db = createKnex(config.database, config.paths.data);
  const app = createApp({ config, db, logger: pino({ level: 'silent' }), i18n: createI18n(), clock: testClock() });
  return { app, close: () => db.destroy() };
}
