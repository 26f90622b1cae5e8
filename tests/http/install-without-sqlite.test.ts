import { csrfFrom } from '../helpers/installed-app';
import { freshTessera, postStep, type WizardEnv } from '../helpers/wizard';

// A host without a C++ compiler: npm could not build the optional better-sqlite3, so loading it
// fails the way a missing native binding does.
jest.mock('better-sqlite3', () => {
  throw new Error('Could not locate the bindings file. Tried: build/Release/better_sqlite3.node');
});

let w: WizardEnv;
beforeEach(() => {
  w = freshTessera();
});
afterEach(() => w.close());

test('without better-sqlite3 the server check says what SQLite needs and still lets the install go on', async () => {
  await postStep(w.agent, 'welcome', { accept: 'yes' });
  const checks = await w.agent.get('/install/checks').expect(200);
  expect(checks.text).toContain('Everything needed is in place.');
  expect(checks.text).toMatch(
    /check--warn">[\s\S]*?SQLite driver[\s\S]*?Not available[\s\S]*?SQLite needs the better-sqlite3 module[\s\S]*?npm ci --omit=dev/,
  );
  expect(checks.text).toMatch(/check--ok">[\s\S]*?MySQL \/ MariaDB driver/);
  const next = await w.agent
    .post('/install/checks')
    .type('form')
    .send({ _csrf: csrfFrom(checks.text) });
  expect(next.status).toBe(303);
  expect(next.headers.location).toBe('/install/database');
});

test('without better-sqlite3 the database step offers MySQL/MariaDB first and refuses SQLite plainly', async () => {
  await postStep(w.agent, 'welcome', { accept: 'yes' });
  await postStep(w.agent, 'checks', {});
  const page = await w.agent.get('/install/database').expect(200);
  const sqliteInput = page.text.match(/<input type="radio" id="client"[^>]*>/)![0];
  expect(sqliteInput).toContain('disabled');
  expect(sqliteInput).not.toContain('checked');
  expect(page.text.match(/<input type="radio" id="client-mysql"[^>]*>/)![0]).toContain('checked');
  expect(page.text).toContain('(not available on this server)');
  expect(page.text).toMatch(/id="client-sqlite-hint">SQLite needs the better-sqlite3 module/);
  expect(page.text).not.toContain('Nothing to set up');

  const forced = await postStep(w.agent, 'database', { client: 'sqlite', action: 'continue' });
  expect(forced.status).toBe(400);
  expect(forced.text).toContain('The driver for this database is not available on this server.');
  await w.agent.get('/install/basics').expect(303).expect('Location', '/install/database');
});
