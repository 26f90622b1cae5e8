import request from 'supertest';
import { knownMigrations, migratorConfig } from '../../src/db/migrate';
import {
  adminCredentials,
  csrfFrom,
  installedApp,
  signIn,
  staffCredentials,
  type InstalledApp,
} from '../helpers/installed-app';

let t: InstalledApp;
beforeAll(async () => {
  t = await installedApp();
  // The code now has one migration the database lacks.
  await t.db.migrate.down(migratorConfig());
});
afterAll(async () => t.close());

test('while migrations are pending, admins are sent to the upgrade page and apply them', async () => {
  await request(t.app)
    .get('/helpdesk')
    .expect(503)
    .expect(/Down for maintenance/);
  const api = await request(t.app).get('/api/v1/tickets').expect(503);
  expect(api.body.error.code).toBe('upgrade_in_progress');

  const staff = request.agent(t.app);
  expect((await signIn(staff, staffCredentials)).status).toBe(303);
  const maintenance = await staff
    .get('/admin')
    .expect(503)
    .expect(/Down for maintenance/);
  // Signed-in staff get no staff navigation (every link of it would lead back here), only a way out.
  for (const link of ['href="/admin/tickets"', 'href="/admin/canned"', 'href="/admin/profile"', 'href="/admin/login"'])
    expect(maintenance.text).not.toContain(link);
  expect(maintenance.text).toContain('action="/admin/logout"');
  await staff.get('/admin/upgrade').expect(403);

  const admin = request.agent(t.app);
  expect((await signIn(admin, adminCredentials)).status).toBe(303);
  await admin.get('/admin').expect(303).expect('Location', '/admin/upgrade');
  const page = await admin.get('/admin/upgrade').expect(200);
  expect(page.text).toContain('Upgrade required');
  expect(page.text).toContain((await knownMigrations()).at(-1));

  await admin.post('/admin/upgrade').type('form').send({}).expect(403); // no CSRF token
  await admin
    .post('/admin/upgrade')
    .type('form')
    .send({ _csrf: csrfFrom(page.text) })
    .expect(303)
    .expect('Location', '/admin/upgrade?done=1');
  const done = await admin.get('/admin/upgrade?done=1').expect(200);
  expect(done.text).toContain('The database is up to date.');
  // Done: the heading and the title say so, not "Upgrade required".
  expect(done.text).not.toContain('Upgrade required');
  expect(done.text).toMatch(/<title>Database up to date[ <·]/);
  expect(done.text).toMatch(/<h1 class="card__title">Database up to date<\/h1>/);
  await admin.get('/admin').expect(200);
  await staff.get('/admin').expect(200);
  await request(t.app).get('/helpdesk').expect(200);
  expect(await t.db('tessera_migrations').count<{ n: number }[]>({ n: '*' })).toEqual([
    { n: (await knownMigrations()).length },
  ]);
});
