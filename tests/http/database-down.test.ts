import pino from 'pino';
import request from 'supertest';
import { createKnex } from '../../src/db/knex-factory';
import { createI18n } from '../../src/i18n/i18n';
import { createApp } from '../../src/web/app';
import { testClock, testConfig } from '../helpers/installed-app';
import { tempDir } from '../helpers/test-db';

// An installed help desk whose database server does not answer (nothing listens on port 1).
const config = testConfig(
  { client: 'mysql', filename: 'x.sqlite', host: '127.0.0.1', port: 1, database: 'tessera', user: 'root', password: '', ssl: false, poolMax: 2 },
  tempDir(),
);
const db = createKnex(config.database, config.paths.data);
const app = createApp({ config, db, logger: pino({ level: 'silent' }), i18n: createI18n(), clock: testClock() });
afterAll(async () => db.destroy());

test('a database outage shows "temporarily unavailable" and never re-opens the wizard', async () => {
  for (const url of ['/install', '/install/welcome', '/install/database']) await request(app).get(url).expect(404);
  await request(app).post('/install/admin').type('form').send({ email: 'x@example.com' }).expect(404);
  const page = await request(app).get('/helpdesk').expect(503);
  expect(page.text).toContain('Temporarily unavailable');
  expect(page.headers['retry-after']).toBeDefined();
  const api = await request(app).get('/api/v1/tickets').expect(503);
  expect(api.body.error.code).toBe('unavailable');
  await request(app).get('/healthz').expect(200);
  await request(app).get('/readyz').expect(503);
});
