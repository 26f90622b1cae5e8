import request from 'supertest';
import { unreachableDatabaseApp } from '../helpers/unreachable-db';

const { app, close } = unreachableDatabaseApp();
afterAll(close);

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
