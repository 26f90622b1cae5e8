import {
  adminCredentials,
  csrfFrom,
  staffCredentials,
  useInstalledApp,
  type InstalledApp,
} from '../helpers/installed-app';
import { idsIn, listFixtures } from '../helpers/staff-list';

let t: InstalledApp;
useInstalledApp((app) => (t = app), { freshRateLimits: true });
const f = listFixtures(() => t);

test('a personal view keeps filters, sort and columns; it is listed beside the list, renamed and deleted by its owner only', async () => {
  const urgent = await f.ticket({ subject: 'View urgent one' });
  await t
    .db('tickets')
    .where({ id: urgent.id })
    .update({ priority_id: (await t.db('priorities').where({ key: 'high' }).first('id')).id });
  await f.grant(staffCredentials.email, 1);
  const sam = await f.staffAgent(staffCredentials);
  const list = await sam
    .get('/admin/tickets?priority=high&sort=created&dir=asc&cols=tracking,subject,priority')
    .expect(200);
  expect(list.text).toContain(
    'name="query" value="priority=high&amp;sort=created&amp;dir=asc&amp;cols=tracking%2Csubject%2Cpriority"',
  );
  expect(list.text).not.toContain('id="view-shared"'); // Sam's role may not share
  const _csrf = csrfFrom(list.text);
  await sam.post('/admin/tickets/views').type('form').send({ name: 'High', query: 'priority=high' }).expect(403);
  const saved = await sam
    .post('/admin/tickets/views')
    .type('form')
    .send({
      _csrf,
      name: '  High first  ',
      query: 'priority=high&sort=created&dir=asc&cols=tracking,subject,priority&evil=1&page=3',
    })
    .expect(303);
  const view = await t.db('saved_views').where({ name: 'High first' }).first();
  expect(view.query).toBe('priority=high&sort=created&dir=asc&cols=tracking%2Csubject%2Cpriority');
  expect(Boolean(view.is_shared)).toBe(false);
  expect(saved.headers.location).toBe(
    `/admin/tickets?priority=high&sort=created&dir=asc&cols=tracking%2Csubject%2Cpriority&view=${view.id}&done=viewsaved`,
  );
  const opened = await sam.get(saved.headers.location!).expect(200);
  expect(opened.text).toContain('<h1>High first</h1>');
  expect(opened.text).toContain('aria-current="page">High first</a>');
  expect(idsIn(opened.text)).toEqual([urgent.id]);

  // Sharing needs 'views.share': refused for Sam, with the reason.
  const refused = await sam
    .post('/admin/tickets/views')
    .type('form')
    .send({ _csrf, name: 'Shared try', shared: 'yes', query: '' })
    .expect(400);
  expect(refused.text).toContain('Your role may not share views.');
  // Bad input: empty or long names, control characters, HTML kept inert, wrong types.
  expect((await sam.post('/admin/tickets/views').type('form').send({ _csrf, name: '   ' }).expect(400)).text).toContain(
    'href="#view-name"',
  );
  await sam
    .post('/admin/tickets/views')
    .type('form')
    .send({ _csrf, name: 'x'.repeat(121) })
    .expect(400);
  await sam.post('/admin/tickets/views').type('form').send({ _csrf, name: 'a\u0007b' }).expect(400);
  await sam
    .post('/admin/tickets/views')
    .type('form')
    .send(`_csrf=${encodeURIComponent(_csrf)}&name=a&name=b`)
    .expect(400);
  await sam.post('/admin/tickets/views').type('form').send({ _csrf, name: '<script>alert(1)</script>' }).expect(303);
  const escaped = await sam.get('/admin/tickets').expect(200);
  expect(escaped.text).not.toContain('<script>alert(1)</script>');
  expect(escaped.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');

  // Others cannot see, rename or delete a personal view.
  const admin = await f.staffAgent(adminCredentials);
  const adminToken = csrfFrom((await admin.get('/admin/tickets').expect(200)).text);
  expect((await admin.get('/admin/tickets').expect(200)).text).not.toContain('High first');
  await admin.get(`/admin/tickets/views/${view.id}`).expect(404);
  await admin
    .post(`/admin/tickets/views/${view.id}/rename`)
    .type('form')
    .send({ _csrf: adminToken, name: 'Mine now' })
    .expect(404);
  await admin.post(`/admin/tickets/views/${view.id}/delete`).type('form').send({ _csrf: adminToken }).expect(404);
  await sam.get('/admin/tickets/views/abc').expect(404);

  const edit = await sam.get(`/admin/tickets/views/${view.id}`).expect(200);
  expect(edit.text).toContain('value="High first"');
  await sam.post(`/admin/tickets/views/${view.id}/rename`).type('form').send({ _csrf, name: '' }).expect(400);
  await sam.post(`/admin/tickets/views/${view.id}/rename`).type('form').send({ _csrf, name: 'Hot ones' }).expect(303);
  expect((await t.db('saved_views').where({ id: view.id }).first('name')).name).toBe('Hot ones');
  await sam
    .post(`/admin/tickets/views/${view.id}/delete`)
    .type('form')
    .send({ _csrf })
    .expect(303)
    .expect('Location', '/admin/tickets?done=viewdeleted');
  expect(await t.db('saved_views').where({ id: view.id }).first()).toBeUndefined();
});

test('a shared view is seen by all staff, but each sees only the tickets of their own categories', async () => {
  const other = await f.category('Views secret');
  const open = await f.ticket({ subject: 'Shared visible' });
  const secret = await f.ticket({ subject: 'Shared secret' });
  await t.db('tickets').where({ id: secret.id }).update({ category_id: other });
  await f.grant(staffCredentials.email, 1);
  const admin = await f.staffAgent(adminCredentials);
  const list = await admin.get('/admin/tickets?q=shared').expect(200);
  expect(list.text).toContain('id="view-shared"');
  await admin
    .post('/admin/tickets/views')
    .type('form')
    .send({ _csrf: csrfFrom(list.text), name: 'Team: shared', shared: 'yes', query: 'q=shared' })
    .expect(303);
  const view = await t.db('saved_views').where({ name: 'Team: shared' }).first();
  expect(Boolean(view.is_shared)).toBe(true);
  expect(idsIn((await admin.get(`/admin/tickets?q=shared&view=${view.id}`).expect(200)).text).sort()).toEqual(
    [open.id, secret.id].sort(),
  );

  const sam = await f.staffAgent(staffCredentials);
  const samList = await sam.get('/admin/tickets').expect(200);
  expect(samList.text).toContain('Team: shared');
  expect(samList.text).toContain('shared by Ada Admin');
  expect(samList.text).not.toContain(`href="/admin/tickets/views/${view.id}"`); // not Sam's to edit
  const samView = await sam.get(`/admin/tickets?q=shared&view=${view.id}`).expect(200);
  // The open view offers its edit link to those who may edit it only.
  expect(samView.text).not.toContain(`href="/admin/tickets/views/${view.id}"`);
  expect((await admin.get(`/admin/tickets?q=shared&view=${view.id}`).expect(200)).text).toContain(
    `href="/admin/tickets/views/${view.id}"`,
  );
  expect(idsIn(samView.text)).toEqual([open.id]);
  expect(samView.text).not.toContain('Shared secret');
  const token = csrfFrom(samList.text);
  await sam.post(`/admin/tickets/views/${view.id}/delete`).type('form').send({ _csrf: token }).expect(404);

  // A role with 'views.share' may share too.
  await f.role(staffCredentials.email, 'Team lead', ['tickets.view', 'tickets.reply', 'views.share']);
  try {
    const lead = await sam.get('/admin/tickets').expect(200);
    expect(lead.text).toContain('id="view-shared"');
    await sam
      .post('/admin/tickets/views')
      .type('form')
      .send({ _csrf: csrfFrom(lead.text), name: 'Lead view', shared: 'yes', query: '' })
      .expect(303);
    expect(Boolean((await t.db('saved_views').where({ name: 'Lead view' }).first('is_shared')).is_shared)).toBe(true);
  } finally {
    await f.noRole(staffCredentials.email);
  }
});
