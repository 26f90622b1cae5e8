import request from 'supertest';
import { useInstalledApp, type InstalledApp } from '../helpers/installed-app';

let t: InstalledApp;
useInstalledApp((app) => (t = app));

test('healthz and readyz answer', async () => {
  await request(t.app).get('/healthz').expect(200, { status: 'ok' });
  await request(t.app).get('/readyz').expect(200, { status: 'ready' });
});

test('the root redirects to the help desk and its home renders', async () => {
  await request(t.app).get('/').expect(302).expect('Location', '/helpdesk');
  const home = await request(t.app).get('/helpdesk').expect(200);
  expect(home.text).toContain('Acme Support');
});

test('an unknown page is a 404 page; an unknown API route is JSON', async () => {
  const page = await request(t.app).get('/nowhere').expect(404);
  expect(page.headers['content-type']).toMatch(/html/);
  expect(page.text).toContain('Page not found');
  const api = await request(t.app).get('/api/v1/nothing').expect(404);
  expect(api.body).toEqual({ error: { code: 'not_found', message: 'Not found' } });
});

test('every /install URL is 404 once installed', async () => {
  for (const url of ['/install', '/install/welcome', '/install/admin', '/install/../install/database']) {
    await request(t.app).get(url).expect(404);
  }
  await request(t.app).post('/install/admin').type('form').send({ name: 'x' }).expect(404);
});

test('pages carry a strict CSP and no x-powered-by', async () => {
  const res = await request(t.app).get('/helpdesk');
  const csp = String(res.headers['content-security-policy']);
  expect(csp).toContain("script-src 'self'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).not.toContain('unsafe-inline');
  expect(res.headers['x-powered-by']).toBeUndefined();
  expect(res.headers['x-content-type-options']).toBe('nosniff');
});

test('static files are served with caching headers', async () => {
  const res = await request(t.app).get('/static/css/tessera.css?v=abc').expect(200);
  expect(res.headers['cache-control']).toContain('immutable');
  await request(t.app).get('/static/../package.json').expect(404);
});

test('the language switch changes the page language and is remembered', async () => {
  const agent = request.agent(t.app);
  const sk = await agent.get('/helpdesk?lang=sk').expect(200);
  expect(sk.text).toContain('<html lang="sk">');
  const again = await agent.get('/helpdesk').expect(200);
  expect(again.text).toContain('<html lang="sk">');
  const bogus = await request(t.app).get('/helpdesk?lang=xx%22%3E').expect(200);
  expect(bogus.text).toContain('<html lang="en">');
});

test('a regional browser language (ru-RU) gives the page its base language, in <html lang> and the switch', async () => {
  const res = await request(t.app).get('/helpdesk').set('Accept-Language', 'ru-RU,ru;q=0.9,en;q=0.5').expect(200);
  expect(res.text).toContain('<html lang="ru">');
  expect(res.text).toMatch(/lang="ru" aria-current="true"/);
});
