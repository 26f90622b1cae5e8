import request from 'supertest';
import { readAllSettings } from '../../src/settings/settings.repo';
import { settingDefinitions, settingGroups, type SettingKey } from '../../src/settings/settings.schema';
import { fieldId, shownSettingGroups } from '../../src/web/admin/settings.form';
import { adminCredentials, csrfFrom, signIn, useInstalledApp, type InstalledApp } from '../helpers/installed-app';
import { adminAgent, tokenOf } from '../helpers/staff-admin';

let t: InstalledApp;
useInstalledApp((app) => (t = app), { freshRateLimits: true });

const unbuiltKeys: SettingKey[] = ['fetch.protocol', 'fetch.host', 'fetch.password', 'helpdesk.dateFormat'];

test('settings of features not built yet are on no page, their tabs are gone, and a POST cannot set them', async () => {
  const admin = request.agent(t.app);
  expect((await signIn(admin, adminCredentials)).status).toBe(303);
  expect([...shownSettingGroups].sort()).toEqual([
    'attachments',
    'general',
    'kb',
    'languages',
    'portal',
    'sending',
    'spam',
    'tickets',
  ]);
  for (const group of ['fetching']) await admin.get(`/admin/settings/${group}`).expect(404);
  const pages = await Promise.all(
    shownSettingGroups.map(async (g) => (await admin.get(`/admin/settings/${g}`).expect(200)).text),
  );
  for (const page of pages) {
    for (const key of unbuiltKeys) expect([key, page.includes(`id="${fieldId(key)}"`)]).toEqual([key, false]);
    for (const g of settingGroups.filter((x) => !shownSettingGroups.includes(x)))
      expect(page).not.toContain(`href="/admin/settings/${g}"`);
    expect(page).not.toContain('Not in use yet');
    expect(page).not.toContain('not part of this version yet');
  }

  // Stored values are kept; a form that sends them anyway changes nothing of them.
  await t.services.settings.save({ 'helpdesk.dateFormat': 'DD/MM/YYYY' });
  const languages = await admin.get('/admin/settings/languages').expect(200);
  const csrf = csrfFrom(languages.text);
  await admin
    .post('/admin/settings/languages')
    .type('form')
    .send({ _csrf: csrf, 'helpdesk-timezone': 'UTC', 'helpdesk-language': 'en', 'helpdesk-dateFormat': 'MM/DD/YYYY' })
    .expect(303);
  const kbCsrf = csrfFrom((await admin.get('/admin/settings/kb').expect(200)).text);
  await admin
    .post('/admin/settings/kb')
    .type('form')
    .send({
      _csrf: kbCsrf,
      'kb-articlesPerPage': '30',
      'kb-logRetentionDays': '180',
      'kb-searchesPerMinute': '60',
      'kb-enabled': 'yes',
    })
    .expect(303);
  await admin
    .post('/admin/settings/fetching')
    .type('form')
    .send({ _csrf: csrf, 'fetch-protocol': 'imap', 'fetch-host': 'evil.example', 'fetch-user': 'x' })
    .expect(404);
  const stored = await readAllSettings(t.db);
  expect(stored.get('helpdesk.dateFormat')).toBe('DD/MM/YYYY');
  expect(stored.get('kb.articlesPerPage')).toBe(30);
  expect(stored.get('fetch.host') ?? settingDefinitions['fetch.host'].fallback).toBe('');
});

test('capabilities of features not built yet are not offered on the roles page, refused from a form, and kept on a role that has them', async () => {
  const admin = await adminAgent(t);
  const page = (await admin.get('/admin/roles').expect(200)).text;
  expect(page).toContain('value="tickets.view"');
  for (const hidden of ['reports.run']) expect(page).not.toContain(`value="${hidden}"`);

  const token = await tokenOf(admin, '/admin/roles');
  const refused = await admin
    .post('/admin/roles')
    .type('form')
    .send({ _csrf: token, name: 'Writers', capabilities: ['tickets.view', 'reports.run'] });
  expect(refused.status).toBe(400);
  expect(await t.db('roles').where({ name: 'Writers' }).first('id')).toBeUndefined();

  const [row] = await t
    .db('roles')
    .insert({
      name: 'Old role',
      capabilities: JSON.stringify(['tickets.view', 'reports.run']),
      created_at: 1,
      updated_at: 1,
    })
    .returning('id');
  const id = Number(typeof row === 'object' ? row.id : row);
  const edit = await tokenOf(admin, `/admin/roles/${id}`);
  await admin
    .post(`/admin/roles/${id}`)
    .type('form')
    .send({ _csrf: edit, name: 'Old role', capabilities: ['tickets.view', 'tickets.reply'] })
    .expect(303);
  const saved = await t.db('roles').where({ id }).first('capabilities');
  expect(JSON.parse(saved.capabilities)).toEqual(['tickets.view', 'tickets.reply', 'reports.run']);
  expect((await admin.get('/admin/roles').expect(200)).text).not.toContain('Run reports');
});
