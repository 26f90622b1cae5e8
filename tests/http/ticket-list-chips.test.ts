import { adminCredentials, useInstalledApp, type InstalledApp } from '../helpers/installed-app';
import { listFixtures } from '../helpers/staff-list';

let t: InstalledApp;
useInstalledApp((app) => (t = app), { freshRateLimits: true });
const f = listFixtures(() => t);

const chipsOf = (html: string) =>
  [...html.matchAll(/<a class="active-filters__chip" href="([^"]*)" aria-label="([^"]*)">/g)].map((m) => ({
    href: m[1]!.replace(/&amp;/g, '&'),
    label: m[2]!,
  }));

test('each filter in force is a chip whose link is the same list without it; looks (sort, size, columns) are not filters', async () => {
  await f.ticket({ subject: 'Chip ticket' });
  const admin = await f.staffAgent(adminCredentials);
  const list = await admin
    .get(
      '/admin/tickets?q=printer&status=new&status=open&owner=unassigned&tag=hardware&created_from=2026-01-01&sort=created&size=50&cols=tracking,subject',
    )
    .expect(200);
  const chips = chipsOf(list.text);
  expect(chips.map((c) => c.label)).toEqual([
    'Remove the filter Search: “printer”',
    'Remove the filter Status: New',
    'Remove the filter Status: Open',
    'Remove the filter Owner: Unassigned',
    'Remove the filter Tag: hardware',
    'Remove the filter Created from: 2026-01-01',
  ]);
  const keep = 'sort=created&size=50&cols=tracking%2Csubject';
  expect(chips[0]!.href).toBe(
    `/admin/tickets?status=new&status=open&owner=unassigned&tag=hardware&created_from=2026-01-01&${keep}`,
  );
  expect(chips[2]!.href).toBe(
    `/admin/tickets?q=printer&status=new&owner=unassigned&tag=hardware&created_from=2026-01-01&${keep}`,
  );
  expect(list.text).toContain('href="/admin/tickets">Clear all filters</a>');
  // The dashboard's queues show as a chip too.
  expect(chipsOf((await admin.get('/admin/tickets?due=overdue').expect(200)).text)).toEqual([
    { href: '/admin/tickets', label: 'Remove the filter Overdue' },
  ]);
  // The open statuses, as the chips are ticked at first, are the plain list: only the owner is a filter.
  const open = (await t.db('statuses').where({ is_open: true }).select('key'))
    .map((s: { key: string }) => `status=${s.key}`)
    .join('&');
  expect(
    chipsOf((await admin.get(`/admin/tickets?${open}&owner=unassigned`).expect(200)).text).map((c) => c.label),
  ).toEqual(['Remove the filter Owner: Unassigned']);
  // The plain list has none.
  expect(chipsOf((await admin.get('/admin/tickets?sort=priority').expect(200)).text)).toEqual([]);
});

test('a chip escapes what was typed, and unknown values make no chip', async () => {
  const admin = await f.staffAgent(adminCredentials);
  const list = await admin
    .get(
      `/admin/tickets?q=${encodeURIComponent('<script>alert(1)</script>')}&status=bogus&priority=nope&tier=9&owner[]=1`,
    )
    .expect(200);
  expect(list.text).not.toContain('<script>alert(1)</script>');
  expect(chipsOf(list.text).map((c) => c.label)).toEqual([
    'Remove the filter Search: “&lt;script&gt;alert(1)&lt;/script&gt;”',
  ]);
});
