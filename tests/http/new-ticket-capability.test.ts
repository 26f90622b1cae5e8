import { csrfFrom, staffCredentials, useInstalledApp, type InstalledApp } from '../helpers/installed-app';
import { adminAgent, createRole } from '../helpers/staff-admin';
import { listFixtures } from '../helpers/staff-list';

// Issue 18 item 24: opening a ticket for a customer (who may be mailed) needs tickets.create.
let t: InstalledApp;
useInstalledApp((app) => (t = app), { freshRateLimits: true });
const f = listFixtures(() => t);

test('a role that may only view tickets cannot open one for a customer: not the page, not the form, no button', async () => {
  const admin = await adminAgent(t);
  const roleId = await createRole(t, admin, 'Viewer only', ['tickets.view']);
  await t.db('staff_users').where({ email: staffCredentials.email }).update({ role_id: roleId });
  try {
    const sam = await f.staffAgent(staffCredentials);
    const list = await sam.get('/admin/tickets').expect(200);
    expect(list.text).not.toContain('href="/admin/tickets/new"');
    await sam.get('/admin/tickets/new').expect(403);
    const csrf = csrfFrom(list.text);
    const before = Number((await t.db('tickets').count({ n: '*' }).first())?.n);
    const res = await sam
      .post(`/admin/tickets/new?_csrf=${encodeURIComponent(csrf)}`)
      .field('_csrf', csrf)
      .field('email', 'victim@example.org')
      .field('name', 'Victim')
      .field('category', '1')
      .field('subject', 'Phishing')
      .field('message', 'Click here')
      .field('notify', 'yes');
    expect(res.status).toBe(403);
    expect(Number((await t.db('tickets').count({ n: '*' }).first())?.n)).toBe(before);
    expect(await t.db('mail_outbox').where({ to_address: 'victim@example.org' }).first()).toBeUndefined();

    // With the capability the page opens.
    await t
      .db('roles')
      .where({ id: roleId })
      .update({ capabilities: JSON.stringify(['tickets.view', 'tickets.create']) });
    await sam.get('/admin/tickets/new').expect(200);
    expect((await sam.get('/admin/tickets').expect(200)).text).toContain('href="/admin/tickets/new"');
  } finally {
    await t.db('staff_users').where({ email: staffCredentials.email }).update({ role_id: null });
  }
});
