import request from 'supertest';
import { settingDefinitions } from '../../src/settings/settings.schema';
import { adminCredentials, csrfFrom, signIn, useInstalledApp, type InstalledApp } from '../helpers/installed-app';

let t: InstalledApp;
useInstalledApp((app) => (t = app));

const kbKeys = Object.entries(settingDefinitions)
  .filter(([, d]) => d.group === 'kb')
  .map(([k]) => k);

test('the knowledge base tab offers every KB setting with help, and no longer says the feature is coming', async () => {
  const admin = request.agent(t.app);
  await signIn(admin, adminCredentials);
  const html = (await admin.get('/admin/settings/kb').expect(200)).text;
  expect(kbKeys.length).toBeGreaterThanOrEqual(5);
  for (const key of kbKeys) {
    const id = key.replace('.', '-');
    expect(html).toContain(`id="${id}"`);
    expect(html).toMatch(new RegExp(`id="${id}-help">\\s*<p>[^<]{40,}</p>`));
  }
  expect(html).not.toMatch(/not part of this version|later version/);
  expect(html).toContain('sitemap for search engines');
});

test('switching the knowledge base off on the tab hides it from customers and its suggestions from the ticket form', async () => {
  const admin = request.agent(t.app);
  await signIn(admin, adminCredentials);
  const customer = request(t.app);
  await customer.get('/helpdesk/kb').expect(200);
  expect((await customer.get('/helpdesk/tickets/new').expect(200)).text).toContain('id="kb-suggest"');
  const page = await admin.get('/admin/settings/kb').expect(200);
  const form = {
    _csrf: csrfFrom(page.text),
    'kb-suggestOnSubmit': 'yes',
    'kb-articlesPerPage': '20',
    'kb-searchesPerMinute': '60',
    'kb-logRetentionDays': '180',
  };
  await admin.post('/admin/settings/kb').type('form').send(form).expect(303);
  try {
    expect(await t.services.settings.get('kb.enabled')).toBe(false);
    await customer.get('/helpdesk/kb').expect(404);
    expect((await customer.get('/helpdesk/tickets/new').expect(200)).text).not.toContain('id="kb-suggest"');
  } finally {
    await t.services.settings.save({ 'kb.enabled': true });
  }
});
