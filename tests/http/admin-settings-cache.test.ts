import request from 'supertest';
import { createApp } from '../../src/web/app';
import type { Services } from '../../src/web/app-services';
import {
  adminCredentials,
  csrfFrom,
  queriesDuring,
  secondInstance,
  signIn,
  useInstalledApp,
  type InstalledApp,
} from '../helpers/installed-app';

/** Two instances of the help desk on one database, as behind a load balancer. */
let t: InstalledApp;
let second: Services;
let secondApp: ReturnType<typeof createApp>;
useInstalledApp((app) => {
  t = app;
  second = secondInstance(t);
  secondApp = createApp(second, { services: second });
});

const brandOn = async (app: ReturnType<typeof createApp>) =>
  /<span class="brand__name">([^<]*)<\/span>/.exec((await request(app).get('/helpdesk').expect(200)).text)?.[1];

async function rename(name: string) {
  const admin = request.agent(t.app);
  await signIn(admin, adminCredentials);
  const page = await admin.get('/admin/settings/general').expect(200);
  const res = await admin
    .post('/admin/settings/general')
    .type('form')
    .send({
      _csrf: csrfFrom(page.text),
      'helpdesk-name': name,
      'helpdesk-url': 'http://localhost',
      'helpdesk-email': 'help@example.com',
    });
  expect(res.status).toBe(303);
}

test('a change saved on one instance reaches the other within a couple of seconds, and the saving one at once', async () => {
  expect(await brandOn(t.app)).toBe('Acme Support');
  expect(await brandOn(secondApp)).toBe('Acme Support');
  await rename('Acme Care');
  expect(await brandOn(t.app)).toBe('Acme Care'); // the instance that saved dropped its cache
  expect(await brandOn(secondApp)).toBe('Acme Support'); // the other still trusts its cache this second
  t.clock.advance(1100);
  expect(await brandOn(secondApp)).toBe('Acme Care');
});

test('while nothing changes, an instance checks one revision row at most once a second and reloads nothing', async () => {
  await second.settings.all();
  t.clock.advance(1100);
  const checked = await queriesDuring(t, async () => {
    await second.settings.all();
    await second.settings.all();
    await second.settings.get('helpdesk.name');
  });
  expect(checked).toHaveLength(1);
  expect(checked[0]).toMatch(/settings_revision/);
  const none = await queriesDuring(t, () => second.settings.all());
  expect(none).toEqual([]); // within the second: no query at all
});

test('many requests at once after the interval share one check', async () => {
  t.clock.advance(1100);
  const checked = await queriesDuring(t, () => Promise.all(Array.from({ length: 10 }, () => second.settings.all())));
  expect(checked).toHaveLength(1);
});

test('a reload happens on the other instance only when the revision moved', async () => {
  await rename('Acme Desk');
  t.clock.advance(1100);
  const reloaded = await queriesDuring(t, () => second.settings.all());
  expect(reloaded.some((sql) => /from [`"]?settings[`"]?(\s|$)/i.test(sql))).toBe(true);
  expect((await second.settings.all())['helpdesk.name']).toBe('Acme Desk');
});
