import request from 'supertest';
import { recordAudit } from '../../src/audit/audit.repo';
import { customerTicket } from '../helpers/api-client';
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
let adaId: number;
let samId: number;
beforeAll(async () => {
  admin = request.agent(t.app);
  expect((await signIn(admin, adminCredentials)).status).toBe(303);
  adaId = (await t.db('staff_users').where({ email: adminCredentials.email }).first('id')).id;
  samId = (await t.db('staff_users').where({ email: staffCredentials.email }).first('id')).id;
});

async function saveTab(group: string, fields: Record<string, string>) {
  const page = await admin.get(`/admin/settings/${group}`).expect(200);
  return admin
    .post(`/admin/settings/${group}`)
    .type('form')
    .send({ _csrf: csrfFrom(page.text), ...fields });
}
const sendingForm = {
  'mail-transport': 'smtp',
  'mail-fromName': '',
  'mail-fromAddress': '',
  'mail-smtpHost': 'smtp.acme.test',
  'mail-smtpPort': '587',
  'mail-smtpSecurity': 'starttls',
  'mail-smtpUser': 'mailer',
  'mail-smtpPassword': 'top secret 1',
  'mail-replyTo': '',
  'mail-trustedAuthServId': '',
};

test('a settings change is recorded with who, from where, and before/after per changed key; secrets masked', async () => {
  await t.db('audit_log').del();
  expect((await saveTab('sending', sendingForm)).status).toBe(303);
  const rows = await t.db('audit_log').select('*');
  expect(rows).toHaveLength(1);
  const row = rows[0];
  expect(row).toMatchObject({
    staff_id: adaId,
    staff_name: adminCredentials.name,
    action: 'settings.changed',
    target_type: 'settings',
    target_id: 'sending',
  });
  expect(row.ip).toMatch(/127\.0\.0\.1|::1|::ffff:127\.0\.0\.1/);
  const details = JSON.parse(row.details);
  expect(details.changes['mail.smtpHost']).toEqual({ before: '', after: 'smtp.acme.test' });
  expect(details.changes['mail.transport']).toEqual({ before: 'log', after: 'smtp' });
  expect(details.changes['mail.smtpPassword']).toEqual({ before: '', after: '********' });
  expect(Object.keys(details.changes)).not.toContain('mail.smtpPort'); // unchanged keys are not listed
  expect(row.details).not.toContain('top secret 1');

  // Saving the same values again changes nothing and records nothing.
  expect((await saveTab('sending', { ...sendingForm, 'mail-smtpPassword': '' })).status).toBe(303);
  expect(await t.db('audit_log').count({ n: '*' }).first()).toEqual({ n: expect.anything() });
  expect(Number((await t.db('audit_log').count({ n: '*' }).first())!.n)).toBe(1);
  const page = await admin.get('/admin/audit').expect(200);
  expect(page.text).toContain('Settings changed');
  expect(page.text).toContain('<span class="audit-details__key">mail.smtpHost</span>');
  expect(page.text).not.toContain('top secret 1');
});

test('the viewer lists newest first, filters by person, action and dates, and pages with a cursor', async () => {
  await t.db('audit_log').del();
  const day = Date.parse('2026-03-10T12:00:00Z');
  for (let i = 0; i < 60; i++) {
    await recordAudit(
      t.db,
      {
        actor: { id: i % 2 ? samId : adaId, name: i % 2 ? 'Sam Staff' : 'Ada Admin' },
        action: i % 3 ? 'settings.changed' : 'template.saved',
        target: { type: 'entry', id: i },
        details: { n: i },
      },
      day + i * 3600_000,
    );
  }
  const first = await admin.get('/admin/audit').expect(200);
  const positions = [...first.text.matchAll(/<span class="audit-entry__target">entry (\d+)<\/span>/g)].map((m) =>
    Number(m[1]),
  );
  expect(positions).toHaveLength(50);
  expect(positions[0]).toBe(59);
  expect(positions).toEqual([...positions].sort((a, b) => b - a));
  const older = /<a href="(\/admin\/audit\?before=[^"]+)">Older entries/.exec(first.text)![1]!.replace(/&amp;/g, '&');
  const second = await admin.get(older).expect(200);
  const rest = [...second.text.matchAll(/<span class="audit-entry__target">entry (\d+)<\/span>/g)].map((m) =>
    Number(m[1]),
  );
  expect(rest).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
  expect(second.text).not.toContain('Older entries');
  expect(second.text).toContain('Back to the newest entries');

  const bySam = await admin.get(`/admin/audit?person=${samId}`).expect(200);
  const samEntries = [...bySam.text.matchAll(/entry (\d+)</g)].map((m) => Number(m[1]));
  expect(samEntries.length).toBe(30);
  expect(samEntries.every((n) => n % 2 === 1)).toBe(true);

  const templates = await admin.get('/admin/audit?action=template.saved').expect(200);
  const tplEntries = [...templates.text.matchAll(/entry (\d+)</g)].map((m) => Number(m[1]));
  expect(tplEntries).toEqual([57, 54, 51, 48, 45, 42, 39, 36, 33, 30, 27, 24, 21, 18, 15, 12, 9, 6, 3, 0]);

  // 2026-03-11 in UTC (the help desk's zone here): entries 12..35.
  const oneDay = await admin.get('/admin/audit?from=2026-03-11&to=2026-03-11').expect(200);
  const dayEntries = [...oneDay.text.matchAll(/entry (\d+)</g)].map((m) => Number(m[1]));
  expect(dayEntries).toEqual(Array.from({ length: 24 }, (_, i) => 35 - i));
  expect(oneDay.text).toContain('value="2026-03-11"');

  // Malformed filters are ignored, never a crash.
  await admin.get('/admin/audit?person=abc&from=yesterday&before=x.y&action=' + 'a'.repeat(300)).expect(200);
  await admin.get('/admin/audit?person[]=1&person[]=2').expect(200);
  // Dates of the right shape that are no dates, and a cursor past any time, are ignored too.
  await admin.get('/admin/audit?from=2026-13-45&to=2026-02-31').expect(200);
  await admin.get('/admin/audit?to=9999-99-99&before=999999999999999.1').expect(200);
  await admin.get('/admin/audit?from=9999-12-31&to=9999-12-31').expect(200);
  await admin.get('/admin/audit?from=0000-01-01&to=0000-01-01').expect(200);
});

test('details are shown as text: HTML in them, in stored names and in resolved names is inert', async () => {
  await t.db('audit_log').del();
  const categoryId = Number((await t.db('categories').first('id')).id);
  const oldName = (await t.db('categories').where({ id: categoryId }).first('name')).name;
  await t.db('staff_users').where({ id: samId }).update({ name: '<b>Sam</b>' });
  await t.db('categories').where({ id: categoryId }).update({ name: '<img src=x onerror=alert(3)>' });
  try {
    await recordAudit(
      t.db,
      {
        actor: null,
        action: 'settings.changed',
        details: {
          changes: { 'helpdesk.name': { before: 'Acme', after: '<script>alert(1)</script>' } },
          note: '<img src=x onerror=alert(2)>',
        },
      },
      t.clock.now(),
    );
    await recordAudit(
      t.db,
      {
        actor: { id: samId, name: 'Sam' },
        action: 'staff.changed',
        target: { type: 'staff', id: samId },
        details: { before: { categoryIds: [] }, after: { categoryIds: [categoryId] } },
      },
      t.clock.now(),
    );
    const page = await admin.get('/admin/audit').expect(200);
    expect(page.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page.text).toContain('&lt;img src=x onerror=alert(2)&gt;');
    expect(page.text).toContain('&lt;img src=x onerror=alert(3)&gt;');
    expect(page.text).toContain(`<a class="audit-entry__who" href="/admin/staff/${samId}">&lt;b&gt;Sam&lt;/b&gt;</a>`);
    expect(page.text).not.toContain('<script>alert');
    expect(page.text).not.toContain('<b>Sam');
    expect(page.text).not.toContain('<img src=x');
  } finally {
    await t.db('staff_users').where({ id: samId }).update({ name: staffCredentials.name });
    await t.db('categories').where({ id: categoryId }).update({ name: oldName });
  }
});

test('entries read as sentences with names, old → new values, linked tracking IDs and times in the help desk zone; raw JSON only behind a click', async () => {
  await t.db('audit_log').del();
  const categoryId = Number((await t.db('categories').first('id')).id);
  const categoryName = (await t.db('categories').where({ id: categoryId }).first('name')).name as string;
  const roleId = (
    await t.db('roles').insert({ name: 'Tier Two', capabilities: '[]', created_at: 0, updated_at: 0 }).returning('id')
  )[0];
  const rid = Number(typeof roleId === 'object' ? roleId.id : roleId);
  const made = await customerTicket(t);
  const ticket = { id: made.id, tracking_id: made.trackingId };
  await t.services.settings.save({ 'helpdesk.timezone': 'Europe/Bratislava' });
  try {
    const at = Date.parse('2026-03-10T23:30:00Z'); // 00:30 on 11 March in Bratislava
    await recordAudit(
      t.db,
      {
        actor: { id: adaId, name: 'Ada' },
        action: 'staff.changed',
        target: { type: 'staff', id: samId },
        details: { before: { roleId: null, categoryIds: [] }, after: { roleId: rid, categoryIds: [categoryId] } },
      },
      at,
    );
    await recordAudit(
      t.db,
      {
        actor: { id: adaId, name: 'Ada' },
        action: 'api_token.created',
        target: { type: 'api_token', id: 1 },
        details: { name: 'CRM', expiresAt: 1804359107229 },
      },
      at,
    );
    await recordAudit(
      t.db,
      {
        actor: { id: adaId, name: 'Ada' },
        action: 'ticket_follower_added',
        target: { type: 'ticket', id: ticket.id },
        details: { email: 'f@example.com' },
      },
      at,
    );
    const html = (await admin.get('/admin/audit').expect(200)).text;
    const shown = html.replace(/<details[\s\S]*?<\/details>/g, '');
    expect(shown).toContain(`href="/admin/staff/${samId}">${staffCredentials.name}</a>`);
    expect(shown).toMatch(
      /Role<\/span>: <span class="audit-value audit-value--old">Standard staff<\/span> <span aria-hidden="true">→<\/span>.*Tier Two/,
    );
    expect(shown).toContain(categoryName);
    expect(shown).toContain('Mar 11, 2026'); // the help desk's zone, not UTC
    expect(shown).toContain('Expires</span>: <span class="audit-value">Mar 6, 2027');
    expect(shown).toContain(
      `<a class="audit-entry__target" href="/admin/tickets/${ticket.id}">${ticket.tracking_id.slice(0, 3)}-`,
    );
    expect(shown).not.toMatch(/[{}]|&#34;|&quot;[a-z]+&quot;:/); // no JSON outside the raw details
    expect(shown).not.toContain('1804359107229');
    expect(html).toMatch(/<details class="audit-raw"><summary>Stored details<\/summary><pre>\{/);
  } finally {
    await t.services.settings.save({ 'helpdesk.timezone': 'UTC' });
    await t.db('roles').where({ id: rid }).del();
  }
});

test('only admins see the audit log', async () => {
  await request(t.app).get('/admin/audit').expect(303);
  const staff = request.agent(t.app);
  await signIn(staff, staffCredentials);
  await staff.get('/admin/audit').expect(403);
});
