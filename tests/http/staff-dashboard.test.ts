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
const hour = 3600_000;
const countOf = (html: string, queue: string) =>
  Number(
    new RegExp(`<span class="queue__count">(\\d+)\\+?</span> <span class="queue__name">${queue}</span>`).exec(
      html,
    )?.[1],
  );

test('the dashboard counts every queue, links each to its filtered list, and shows the latest activity with names and links', async () => {
  const overdue = await f.ticket({ subject: 'Dashboard overdue' });
  const soon = await f.ticket({ subject: 'Dashboard due soon' });
  const later = await f.ticket({ subject: 'Dashboard due later' });
  await t
    .db('tickets')
    .where({ id: overdue.id })
    .update({ due_at: t.clock.now() - hour });
  await t
    .db('tickets')
    .where({ id: soon.id })
    .update({ due_at: t.clock.now() + 2 * hour });
  await t
    .db('tickets')
    .where({ id: later.id })
    .update({ due_at: t.clock.now() + 72 * hour });
  const admin = await f.staffAgent(adminCredentials);
  const _csrf = csrfFrom((await admin.get(`/admin/tickets/${soon.id}`).expect(200)).text);
  await admin.post(`/admin/tickets/${soon.id}/tags`).type('form').send({ _csrf, tags: 'callback' }).expect(303);
  await admin.post(`/admin/tickets/${overdue.id}/take`).type('form').send({ _csrf }).expect(303);

  const page = await admin.get('/admin').expect(200);
  // On a phone the top bar is short: the dashboard leads to the administration and the profile.
  expect(page.text).toContain('href="/admin/manage"');
  expect(page.text).toContain('href="/admin/profile"');
  for (const [name, n] of [
    ['New', 3],
    ['All unresolved', 3],
    ['Open', 0],
    ['Mine', 1],
    ['Unassigned', 2],
    ['Overdue', 1],
    ['Due within 24 hours', 1],
    ['Waiting for customer', 0],
  ] as const)
    expect([name, countOf(page.text, name)]).toEqual([name, n]);
  expect(page.text).toContain('href="/admin/tickets?due=overdue&amp;sort=due&amp;dir=asc"');
  expect(idsIn((await admin.get('/admin/tickets?due=overdue&sort=due&dir=asc').expect(200)).text)).toEqual([
    overdue.id,
  ]);
  expect(idsIn((await admin.get('/admin/tickets?due=soon&sort=due&dir=asc').expect(200)).text)).toEqual([soon.id]);
  // Activity: names, not ids, each line linked to its ticket.
  expect(page.text).toContain('Latest activity');
  expect(page.text).toContain('<strong>Ada Admin</strong> · Tag added: callback');
  expect(page.text).toContain('<strong>Carla Customer</strong> · Created');
  expect(page.text).toContain(`href="/admin/tickets/${soon.id}"`);
});

test("each status count on the dashboard has the list's status name and equals the number of tickets its link lists", async () => {
  const keys = ['new', 'open', 'replied', 'replied', 'replied', 'waiting', 'on_hold', 'resolved'];
  const statuses = new Map(
    (await t.db('statuses').select('id', 'key')).map((s: { id: number; key: string }) => [s.key, Number(s.id)]),
  );
  for (const [i, key] of keys.entries()) {
    const made = await f.ticket({ subject: `Status count ${i}`, email: `status-count-${i}@example.net` });
    await t
      .db('tickets')
      .where({ id: made.id })
      .update({ status_id: statuses.get(key) });
  }
  const admin = await f.staffAgent(adminCredentials);
  const page = (await admin.get('/admin').expect(200)).text;
  const shown = [
    ...page.matchAll(
      /<a class="queue card" href="(\/admin\/tickets\?status=([a-z_]+))"><span class="queue__count">(\d+)<\/span> <span class="queue__name">([^<]+)<\/span>/g,
    ),
  ].map((m) => ({ href: m[1]!, key: m[2]!, count: Number(m[3]), name: m[4]! }));
  expect(shown.map((s) => s.key).sort()).toEqual(['new', 'on_hold', 'open', 'replied', 'waiting']); // every open status, and only those
  expect(shown.find((s) => s.key === 'replied')).toMatchObject({ name: 'Answered by us', count: 3 });
  expect(countOf(page, 'Answered by us')).toBe(3);
  for (const s of shown) {
    const list = (await admin.get(s.href).expect(200)).text;
    expect([s.key, idsIn(list).length]).toEqual([s.key, s.count]);
    // The list names the status as the dashboard does.
    if (s.count) expect(list).toContain(`>${s.name}</`);
  }
  // "All unresolved" is the sum of the open statuses, and its link lists exactly those tickets.
  expect(countOf(page, 'All unresolved')).toBe(shown.reduce((n, s) => n + s.count, 0));
  const all =
    /<a class="queue card" href="([^"]+)"><span class="queue__count">\d+<\/span> <span class="queue__name">All unresolved</
      .exec(page)![1]!
      .replace(/&amp;/g, '&');
  expect(idsIn((await admin.get(all).expect(200)).text)).toHaveLength(countOf(page, 'All unresolved'));
});

test('counts and activity never include tickets of categories the person cannot see', async () => {
  const hidden = await f.category('Dashboard hidden');
  const secret = await f.ticket({ subject: 'Dashboard secret subject' });
  await t
    .db('tickets')
    .where({ id: secret.id })
    .update({ category_id: hidden, due_at: t.clock.now() - hour });
  const sam = await f.staffAgent(staffCredentials);
  const page = await sam.get('/admin').expect(200);
  expect(countOf(page.text, 'New')).toBe(0);
  expect(countOf(page.text, 'Overdue')).toBe(0);
  expect(page.text).not.toContain('Dashboard secret subject');
  expect(page.text).not.toContain(`/admin/tickets/${secret.id}"`);
  expect(page.text).toContain('Nothing happened on your tickets in the last two weeks.');
  await f.grant(staffCredentials.email, hidden);
  const granted = await sam.get('/admin').expect(200);
  expect(countOf(granted.text, 'Overdue')).toBe(1);
  expect(granted.text).toContain('Dashboard secret subject');
});

test('the keyboard shortcuts overlay is on every staff page, never on the customer pages', async () => {
  const admin = await f.staffAgent(adminCredentials);
  for (const path of ['/admin', '/admin/tickets', '/admin/tickets/new']) {
    const page = await admin.get(path).expect(200);
    expect(page.text).toContain('<dialog class="shortcuts" id="shortcuts-help" aria-labelledby="shortcuts-title">');
    expect(page.text).toMatch(/<script src="\/static\/js\/shortcuts\.js\?v=[a-f0-9]+" defer><\/script>/);
  }
  expect((await admin.get('/helpdesk').expect(200)).text).not.toContain('shortcuts.js');
  expect(
    (await admin.get('/admin/login').expect((r) => expect([200, 303]).toContain(r.status))).text ?? '',
  ).not.toContain('shortcuts-help');
});
