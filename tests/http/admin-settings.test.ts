import fs from 'node:fs';
import request from 'supertest';
import { fromRoot } from '../../src/paths';
import { insertReturningId } from '../../src/db/insert';
import { readAllSettings } from '../../src/settings/settings.repo';
import { settingDefinitions, type SettingKey } from '../../src/settings/settings.schema';
import { fieldId, fieldsOf, formValuesOf, shownSettingGroups } from '../../src/web/admin/settings.form';
import {
  adminCredentials,
  csrfFrom,
  signIn,
  staffCredentials,
  useInstalledApp,
  type InstalledApp,
} from '../helpers/installed-app';

let t: InstalledApp;
useInstalledApp((app) => (t = app));
let admin: request.Agent;
beforeAll(async () => {
  admin = request.agent(t.app);
  expect((await signIn(admin, adminCredentials)).status).toBe(303);
});

const stored = async () => readAllSettings(t.db);
/** What a browser sends for a tab: every field as shown, ticked boxes as "yes", unticked ones left out. */
async function formOf(group: string, agent = admin): Promise<{ csrf: string; fields: Record<string, string> }> {
  const page = await agent.get(`/admin/settings/${group}`).expect(200);
  const values = formValuesOf(group as never, await t.services.settings.all());
  const fields: Record<string, string> = {};
  for (const [id, v] of Object.entries(values)) if (v !== false) fields[id] = v === true ? 'yes' : v;
  return { csrf: csrfFrom(page.text), fields };
}
async function save(group: string, changes: Record<string, string | string[] | undefined>, agent = admin) {
  const { csrf, fields } = await formOf(group, agent);
  const body: Record<string, unknown> = { _csrf: csrf, ...fields, ...changes };
  for (const k of Object.keys(body)) if (body[k] === undefined) delete body[k];
  return agent.post(`/admin/settings/${group}`).type('form').send(body);
}

test('/admin/settings opens the first tab; each tab is a link, the current one marked', async () => {
  await admin.get('/admin/settings').expect(302).expect('Location', '/admin/settings/general');
  await admin.get('/admin/settings/mail').expect(301).expect('Location', '/admin/settings/sending');
  const res = await admin.get('/admin/settings/portal').expect(200);
  for (const g of shownSettingGroups) expect(res.text).toContain(`href="/admin/settings/${g}"`);
  expect(res.text).toMatch(/href="\/admin\/settings\/portal" aria-current="page"/);
  await admin.get('/admin/settings/nothing').expect(404);
});

test('every setting of the registry appears on its tab with a label and a help text stating its default', async () => {
  for (const group of shownSettingGroups) {
    const res = await admin.get(`/admin/settings/${group}`).expect(200);
    for (const f of fieldsOf(group)) {
      expect(res.text).toContain(`for="${f.id}"`);
      expect(res.text).toContain(`id="${f.id}-help"`);
      expect(res.text).not.toContain(`settings.label.${f.key}`); // a missing text would show its key
      expect(res.text).not.toContain(`settings.help.${f.key}`);
    }
    expect(res.text).toContain('Default: ');
  }
  const portal = await admin.get('/admin/settings/portal').expect(200);
  expect(portal.text).toContain(
    'How many unresolved tickets one e-mail address may have at once. 0 means no limit.</p>',
  );
  expect(portal.text).toContain('Default: 10</p>');
});

test("a default that is one of our texts is shown in the page's language, not in English", async () => {
  const defaultOf = async (lang: string) => {
    const page = await admin.get(`/admin/settings/general?lang=${lang}`).expect(200);
    return /id="helpdesk-name-help">[\s\S]*?<p class="setting-help__default">([^<]*)<\/p>/.exec(page.text)?.[1];
  };
  try {
    expect(await defaultOf('en')).toBe('Default: Help desk');
    expect(await defaultOf('sk')).toBe('Predvolené: Helpdesk');
    expect(await defaultOf('ru')).toBe('По умолчанию: Служба поддержки');
    expect(await defaultOf('hu')).toMatch(/: Ügyfélszolgálat$/);
    expect(await defaultOf('lv')).toMatch(/: Palīdzības dienests$/);
    // Other defaults are values, not words: the same in every language.
    expect((await admin.get('/admin/settings/portal?lang=ru').expect(200)).text).toContain(': 10</p>');
  } finally {
    await admin.get('/admin/settings/general?lang=en').expect(200); // the language the later tests read
  }
});

test("the English text of a translated default is the setting's stored default (they cannot drift apart)", () => {
  const en = JSON.parse(fs.readFileSync(fromRoot('src', 'i18n', 'locales', 'en', 'admin-settings.json'), 'utf8'));
  const words: Record<string, Record<string, string>> = en.settings.defaultValue;
  const keys = Object.entries(words).flatMap(([a, inner]) => Object.keys(inner).map((b) => `${a}.${b}`));
  expect(keys.length).toBeGreaterThan(0);
  for (const key of keys) {
    const [a, b] = key.split('.') as [string, string];
    expect([key, words[a]![b]]).toEqual([key, settingDefinitions[key as SettingKey].fallback]);
  }
});

test('each tab is saved and read back, and saving one tab leaves the others as they were', async () => {
  const changes: Record<string, Record<string, string | undefined>> = {
    general: {
      'helpdesk-name': 'Acme Helpers',
      'helpdesk-url': 'https://help.acme.test/',
      'helpdesk-email': 'care@acme.test',
    },
    portal: {
      'portal-maxOpenPerEmail': '3',
      'portal-customerReopen': undefined,
      'portal-confirmEmail': 'yes',
      'portal-serviceMessage': 'Closed on Friday',
    },
    sending: {
      'mail-transport': 'smtp',
      'mail-smtpHost': 'smtp.acme.test',
      'mail-smtpPort': '2525',
      'mail-smtpUser': 'mailer',
      'mail-smtpPassword': 's3cret pass',
    },
    attachments: { 'attachments-allowedTypes': 'PDF, .png txt', 'attachments-maxSizeMb': '20' },
    spam: { 'spam-question': 'Two plus two?', 'spam-answer': 'four', 'spam-minFillSeconds': '0' },
    languages: { 'helpdesk-timezone': 'Europe/Bratislava', 'helpdesk-language': 'sk' },
  };
  // Stored passwords are encrypted (the service decrypts them; see the sending tests).
  const sealed = { encrypted: expect.stringMatching(/^v1\./) };
  const expected: Partial<Record<SettingKey, unknown>> = {
    'helpdesk.name': 'Acme Helpers',
    'helpdesk.url': 'https://help.acme.test',
    'helpdesk.email': 'care@acme.test',
    'portal.maxOpenPerEmail': 3,
    'portal.customerReopen': false,
    'portal.confirmEmail': true,
    'portal.serviceMessage': 'Closed on Friday',
    'mail.transport': 'smtp',
    'mail.smtpHost': 'smtp.acme.test',
    'mail.smtpPort': 2525,
    'mail.smtpUser': 'mailer',
    'mail.smtpPassword': sealed,
    'attachments.allowedTypes': ['pdf', 'png', 'txt'],
    'attachments.maxSizeMb': 20,
    'spam.question': 'Two plus two?',
    'spam.answer': 'four',
    'spam.minFillSeconds': 0,
    'helpdesk.timezone': 'Europe/Bratislava',
    'helpdesk.language': 'sk',
  };
  for (const [group, change] of Object.entries(changes)) {
    const before = await stored();
    const res = await save(group, change);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/admin/settings/${group}?saved=1`);
    const after = await stored();
    // Keys of other tabs: not one changed (nor written).
    for (const key of Object.keys(settingDefinitions) as SettingKey[]) {
      if (settingDefinitions[key].group !== group) expect([key, after.get(key)]).toEqual([key, before.get(key)]);
    }
    for (const [key, value] of Object.entries(expected))
      if (settingDefinitions[key as SettingKey].group === group) expect([key, after.get(key)]).toEqual([key, value]);
    const shown = await admin.get(res.headers.location!).expect(200);
    expect(shown.text).toContain('Your changes were saved.');
  }
  const portal = await admin.get('/admin/settings/portal');
  expect(portal.text).toMatch(/id="portal-confirmEmail" name="portal-confirmEmail" value="yes" checked/);
  expect(portal.text).toContain('value="3"');
  const sending = await admin.get('/admin/settings/sending');
  expect(sending.text).not.toContain('s3cret pass'); // secrets never go back to the browser
  expect(sending.text).toContain('A password is saved. Leave this empty to keep it.');
  // The page uses the new values at once (the instance that saved dropped its cache).
  expect((await admin.get('/admin/settings/general')).text).toContain('Acme Helpers');
});

test('an empty password keeps the saved one; no user name removes it', async () => {
  await save('sending', {
    'mail-transport': 'smtp',
    'mail-smtpHost': 'smtp.acme.test',
    'mail-smtpUser': 'mailer',
    'mail-smtpPassword': 'keep me',
  }).then((r) => expect(r.status).toBe(303));
  await save('sending', { 'mail-smtpPassword': '' }).then((r) => expect(r.status).toBe(303));
  expect((await stored()).get('mail.smtpPassword')).toEqual({ encrypted: expect.stringMatching(/^v1\./) });
  expect(await t.services.settings.get('mail.smtpPassword')).toBe('keep me');
  await save('sending', { 'mail-smtpUser': '', 'mail-smtpPassword': '' }).then((r) => expect(r.status).toBe(303));
  expect((await stored()).get('mail.smtpPassword')).toBe('');
});

test('wrong types and out-of-range values are refused beside each field, with a summary, typed values kept', async () => {
  const before = await stored();
  const res = await save('portal', {
    'portal-maxOpenPerEmail': '5000',
    'portal-linkDays': 'ten',
    'portal-serviceMessage': 'x'.repeat(2001),
  });
  expect(res.status).toBe(400);
  expect(res.text).toContain('There is a problem');
  expect(res.text).toContain('<a href="#portal-maxOpenPerEmail">');
  expect(res.text).toContain('id="portal-maxOpenPerEmail-error"');
  expect(res.text).toContain('Enter a number from 0 to 1000.');
  expect(res.text).toContain('Enter a whole number, like 10.');
  expect(res.text).toContain('This is too long.');
  expect(res.text).toContain('value="5000"');
  expect(res.text).toContain('value="ten"');
  const summary = res.text.slice(res.text.indexOf('error-summary__list'));
  expect(summary.indexOf('#portal-maxOpenPerEmail')).toBeLessThan(summary.indexOf('#portal-linkDays'));

  const general = await save('general', {
    'helpdesk-email': 'not an address',
    'helpdesk-url': 'javascript:alert(1)',
    'helpdesk-name': '',
  });
  expect(general.status).toBe(400);
  expect(general.text).toContain('Enter an e-mail address like name@example.com.');
  expect(general.text).toContain('Enter an address starting with https:// or http://');
  expect(general.text).toContain('Fill in this field.');
  expect(general.text).toContain('value="not an address"');

  const sending = await save('sending', {
    'mail-transport': 'smtp',
    'mail-smtpHost': '',
    'mail-smtpPort': '70000',
    'mail-fromAddress': 'nope',
    'mail-smtpUser': 'u',
    'mail-smtpPassword': 'typed secret',
  });
  expect(sending.status).toBe(400);
  expect(sending.text).toContain('Enter the SMTP server, or choose to write mail to a file.');
  expect(sending.text).toContain('Enter a number from 1 to 65535.');
  expect(sending.text).not.toContain('typed secret'); // not even a refused one is echoed

  const bad = await save('languages', { 'helpdesk-timezone': 'Mars/Olympus', 'helpdesk-language': '<b>' });
  expect(bad.status).toBe(400);
  expect(bad.text).toContain('Choose a time zone from the list.');
  expect(bad.text).not.toContain('<b>');

  const spam = await save('spam', { 'spam-question': 'Colour of the sky?', 'spam-answer': '' });
  expect(spam.text).toContain('Enter the answer to the question, or remove the question.');
  const files = await save('attachments', { 'attachments-allowedTypes': 'pdf, ex e!' });
  expect(files.text).toContain('Enter file name endings of letters and digits');
  expect(await stored()).toEqual(before);
});

test('a field sent twice (an array) or an odd checkbox value is a 400, never saved', async () => {
  const before = await stored();
  expect((await save('general', { 'helpdesk-name': ['One', 'Two'] })).status).toBe(400);
  expect((await save('portal', { 'portal-confirmEmail': ['yes', 'yes'] })).status).toBe(400);
  expect((await save('portal', { 'portal-confirmEmail': 'true' })).status).toBe(400);
  expect((await save('attachments', { 'attachments-maxSizeMb': '9'.repeat(30) })).status).toBe(400);
  expect(await stored()).toEqual(before);
});

test('HTML typed into a setting is shown as text', async () => {
  await save('portal', { 'portal-serviceMessage': '<script>alert(1)</script><img src=x onerror=alert(2)>' }).then((r) =>
    expect(r.status).toBe(303),
  );
  const res = await admin.get('/admin/settings/portal');
  expect(res.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  expect(res.text).not.toContain('<img src=x');
  const name = await save('general', { 'helpdesk-name': '<b>Acme</b>' });
  expect(name.status).toBe(303);
  expect((await admin.get('/admin/settings/general')).text).not.toContain('<b>Acme</b>');
  await save('general', { 'helpdesk-name': 'Acme Support' });
});

test('a form without its CSRF token is refused', async () => {
  const { fields } = await formOf('general');
  await admin
    .post('/admin/settings/general')
    .type('form')
    .send({ ...fields, 'helpdesk-name': 'No token' })
    .expect(403);
  expect((await stored()).get('helpdesk.name')).not.toBe('No token');
});

test('staff without the capability get 403; visitors are sent to sign in', async () => {
  await request(t.app)
    .get('/admin/settings/general')
    .expect(303)
    .expect('Location', `/admin/login?next=${encodeURIComponent('/admin/settings/general')}`);
  const staff = request.agent(t.app);
  await signIn(staff, staffCredentials);
  await staff.get('/admin/settings/general').expect(403);
  await staff.get('/admin/settings').expect(403);
  const dashboard = await staff.get('/admin').expect(200);
  const csrf = csrfFrom(dashboard.text);
  await staff
    .post('/admin/settings/general')
    .type('form')
    .send({ _csrf: csrf, [fieldId('helpdesk.name')]: 'Taken over' })
    .expect(403);
  await staff
    .post('/admin/settings/sending/test')
    .type('form')
    .send({ _csrf: csrf, testTo: 'x@example.com' })
    .expect(403);
  expect((await stored()).get('helpdesk.name')).not.toBe('Taken over');
});

test('a staff member whose role has settings.manage may use the pages', async () => {
  const sam = await t.db('staff_users').where({ email: staffCredentials.email }).first('id');
  const roleId = await insertRole(['settings.manage']);
  await t.db('staff_users').where({ id: sam.id }).update({ role_id: roleId });
  const staff = request.agent(t.app);
  await signIn(staff, staffCredentials);
  await staff.get('/admin/settings/attachments').expect(200);
  await t.db('staff_users').where({ id: sam.id }).update({ role_id: null });
});

test('settings.manage without being an admin cannot move account links, mail servers or the two-factor rule', async () => {
  const sam = await t.db('staff_users').where({ email: staffCredentials.email }).first('id');
  t.clock.advance(1); // the role's name carries the clock
  const roleId = await insertRole(['settings.manage']);
  await t.db('staff_users').where({ id: sam.id }).update({ role_id: roleId });
  try {
    const staff = request.agent(t.app);
    await signIn(staff, staffCredentials);
    const send = (group: string, changes: Record<string, string>) => save(group, changes, staff);
    const before = await stored();
    // They do not see those settings, and what is sent for them anyway is not read.
    const general = (await staff.get('/admin/settings/general').expect(200)).text;
    expect(general).not.toContain(`id="${fieldId('helpdesk.url')}"`);
    expect(general).toContain('are changed by administrators only');
    expect((await send('general', { [fieldId('helpdesk.url')]: 'https://evil.example' })).status).toBe(303);
    expect(
      (await send('sending', { [fieldId('mail.transport')]: 'smtp', [fieldId('mail.smtpHost')]: 'evil.example' }))
        .status,
    ).toBe(303);
    expect((await send('spam', { [fieldId('security.requireTwoFactor')]: 'yes' })).status).toBe(303);
    expect(await stored()).toEqual(before);
    // The service refuses them too, whatever page or program asks.
    await expect(
      t.services.settings.save(
        { 'helpdesk.url': 'https://evil.example' },
        { actor: { id: sam.id, name: 'Sam' }, ip: '127.0.0.1', group: 'general', actorIsAdmin: false },
      ),
    ).rejects.toThrow();
    // The rest of a tab is theirs to change.
    expect((await send('general', { [fieldId('helpdesk.name')]: 'Renamed by Sam' })).status).toBe(303);
    expect((await stored()).get('helpdesk.name')).toBe('Renamed by Sam');
  } finally {
    await t.db('staff_users').where({ id: sam.id }).update({ role_id: null });
  }
});

async function insertRole(caps: string[]): Promise<number> {
  return insertReturningId(t.db, 'roles', {
    name: `Settings ${t.clock.now()}`,
    capabilities: JSON.stringify(caps),
    created_at: t.clock.now(),
    updated_at: t.clock.now(),
  });
}
