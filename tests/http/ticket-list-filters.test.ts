import {
  adminCredentials,
  csrfFrom,
  staffCredentials,
  useInstalledApp,
  type InstalledApp,
} from '../helpers/installed-app';
import { idsIn, listFixtures } from '../helpers/staff-list';
import { addTags } from '../../src/tags/tags.service';
import { findTicketById } from '../../src/tickets/tickets.repo';

let t: InstalledApp;
useInstalledApp((app) => (t = app), { freshRateLimits: true });
const f = listFixtures(() => t);
const day = 24 * 3600_000;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

test("columns are chosen per person with a plain form, remembered in the database, and never leak into another person's list", async () => {
  const a = await f.ticket({ subject: 'Columns ticket' });
  const admin = await f.staffAgent(adminCredentials);
  const list = await admin.get('/admin/tickets').expect(200);
  expect(list.text).toContain('<th scope="col">Tags</th>');
  expect(list.text).not.toContain('">Last replier</a></th>');
  const token = csrfFrom(list.text);
  // Without a CSRF token: refused.
  await admin.post('/admin/tickets/columns').type('form').send('cols=replier').expect(403);
  await admin
    .post('/admin/tickets/columns')
    .type('form')
    .send(
      `_csrf=${encodeURIComponent(token)}&cols=subject&cols=replier&cols=created&cols=due&cols=bogus&back=${encodeURIComponent('status=new')}`,
    )
    .expect(303)
    .expect('Location', '/admin/tickets?status=new&done=columns');
  const row = await t
    .db('staff_list_prefs')
    .where({ staff_id: await f.staffId(adminCredentials.email) })
    .first('columns');
  expect(JSON.parse(row.columns)).toEqual(['tracking', 'subject', 'created', 'replier', 'due']);
  const chosen = await admin.get('/admin/tickets').expect(200);
  expect(chosen.text).toContain('">Last replier</a></th>');
  expect(chosen.text).not.toContain('<th scope="col">Tags</th>');
  expect(chosen.text).toContain('Carla Customer'); // the last replier of a new ticket is its customer
  expect(idsIn(chosen.text)).toContain(a.id);
  // A link (a saved view) may carry its own columns; the person's choice stays as it was.
  const viaLink = await admin.get('/admin/tickets?cols=tracking,owner').expect(200);
  expect(viaLink.text).toContain('">Owner</a></th>');
  expect(viaLink.text).not.toContain('">Last replier</a></th>');
  // Another person's list keeps the defaults; bad column values are dropped, not a crash.
  await f.grant(staffCredentials.email, 1);
  const sam = await f.staffAgent(staffCredentials);
  expect((await sam.get('/admin/tickets').expect(200)).text).toContain('<th scope="col">Tags</th>');
  await admin
    .post('/admin/tickets/columns')
    .type('form')
    .send(`_csrf=${encodeURIComponent(token)}&cols[a]=x&back=${encodeURIComponent('https://evil.example/')}`)
    .expect(303)
    .expect('Location', /^\/admin\/tickets\?/);
  await admin
    .post('/admin/tickets/columns')
    .type('form')
    .send(`_csrf=${encodeURIComponent(token)}&reset=yes`)
    .expect(303);
  expect((await admin.get('/admin/tickets').expect(200)).text).toContain('<th scope="col">Tags</th>');
});

test('sorting by a sortable column through links; unknown sorts fall back to the last update', async () => {
  const first = await f.ticket({ subject: 'Sort first' });
  t.clock.advance(60_000);
  const second = await f.ticket({ subject: 'Sort second' });
  const admin = await f.staffAgent(adminCredentials);
  const desc = idsIn((await admin.get('/admin/tickets?sort=created&size=100').expect(200)).text);
  expect(desc.indexOf(second.id)).toBeLessThan(desc.indexOf(first.id));
  const asc = idsIn((await admin.get('/admin/tickets?sort=created&dir=asc&size=100').expect(200)).text);
  expect(asc.indexOf(first.id)).toBeLessThan(asc.indexOf(second.id));
  const page = await admin.get('/admin/tickets?sort=updated&dir=asc').expect(200);
  expect(page.text).toContain('aria-sort="ascending"');
  expect(page.text).toContain('href="/admin/tickets?sort=updated&amp;dir=desc"');
  for (const sort of ['tracking', 'due', 'priority', 'updated'])
    await admin.get(`/admin/tickets?sort=${sort}&dir=asc`).expect(200);
  await admin.get('/admin/tickets?sort=tags').expect(200); // not sortable: the default order
  await admin.get('/admin/tickets?sort[x]=1&dir[]=asc&size=1e9&page=-1').expect(200);
});

test('date ranges filter on created, updated and due; a bad date is a clear error beside the field, not a crash', async () => {
  const past = await f.ticket({ subject: 'Filed long ago' });
  await t
    .db('tickets')
    .where({ id: past.id })
    .update({
      created_at: t.clock.now() - 40 * day,
      updated_at: t.clock.now() - 30 * day,
      due_at: t.clock.now() - 2 * day,
    });
  const recent = await f.ticket({ subject: 'Filed today' });
  await t
    .db('tickets')
    .where({ id: recent.id })
    .update({ due_at: t.clock.now() + 3 * day });
  const admin = await f.staffAgent(adminCredentials);
  const today = isoDay(t.clock.now());
  const ids = async (q: string) => idsIn((await admin.get(`/admin/tickets?size=100&${q}`).expect(200)).text);
  expect(await ids(`created_from=${today}`)).toContain(recent.id);
  expect(await ids(`created_from=${today}`)).not.toContain(past.id);
  expect(await ids(`created_to=${isoDay(t.clock.now() - 35 * day)}`)).toEqual([past.id]);
  expect(
    await ids(`updated_from=${isoDay(t.clock.now() - 31 * day)}&updated_to=${isoDay(t.clock.now() - 29 * day)}`),
  ).toEqual([past.id]);
  expect(await ids(`due_from=${isoDay(t.clock.now() + 2 * day)}`)).toEqual([recent.id]);
  expect(await ids('due=overdue')).toEqual([past.id]);

  const bad = await admin.get('/admin/tickets?created_from=2026-02-30&due_to=yesterday').expect(400);
  expect(bad.text).toContain('error-summary');
  expect(bad.text).toContain('href="#created_from"');
  expect(bad.text).toContain('Enter a date like 2026-03-31.');
  expect(bad.text).toContain('value="2026-02-30"');
  expect(idsIn(bad.text)).toEqual([]);
  const order = await admin.get('/admin/tickets?created_from=2026-03-10&created_to=2026-03-01').expect(400);
  expect(order.text).toContain('The end date must be on or after the start date.');
  await admin.get(`/admin/tickets?created_from=${'9'.repeat(5000)}`).expect(400);
  await admin.get('/admin/tickets?created_from[]=2026-01-01').expect(200);
  await admin
    .get(`/admin/tickets?created_from=${encodeURIComponent('<script>alert(1)</script>')}`)
    .expect(400)
    .expect((r) => expect(r.text).not.toContain('<script>alert(1)'));
});

test("tags: shown in the list, filter by tag, unknown tag shows nothing; another category's tickets and tags never appear", async () => {
  const other = await f.category('Hidden from Sam');
  const mine = await f.ticket({ subject: 'Tagged printer' });
  const hidden = await f.ticket({ subject: 'Tagged secret' });
  await t.db('tickets').where({ id: hidden.id }).update({ category_id: other });
  const actor = { id: 1, name: 'Ada Admin', isAdmin: true, capabilities: [] };
  await addTags(t.services, (await findTicketById(t.db, mine.id))!, actor, ['printer', 'vip']);
  await addTags(t.services, (await findTicketById(t.db, hidden.id))!, actor, ['printer', 'secret-project']);
  await f.grant(staffCredentials.email, 1);
  const admin = await f.staffAgent(adminCredentials);
  const tagged = await admin.get('/admin/tickets?tag=printer&size=100').expect(200);
  expect(idsIn(tagged.text).sort()).toEqual([mine.id, hidden.id].sort());
  expect(tagged.text).toContain('href="/admin/tickets?tag=vip"');
  expect(idsIn((await admin.get('/admin/tickets?tag=printer&tag=vip').expect(200)).text)).toEqual([mine.id]);
  expect(idsIn((await admin.get('/admin/tickets?tag=PRINTER,%20vip').expect(200)).text)).toEqual([mine.id]);
  expect(idsIn((await admin.get('/admin/tickets?tag=nosuchtag').expect(200)).text)).toEqual([]);
  expect(tagged.text).toContain('<option value="secret-project">');

  const sam = await f.staffAgent(staffCredentials);
  const samList = await sam.get('/admin/tickets?tag=printer&size=100').expect(200);
  expect(idsIn(samList.text)).toEqual([mine.id]);
  expect(samList.text).not.toContain('secret-project');
  expect(samList.text).toContain('1 ticket');
});

test('search finds customer names by word prefix and custom field values, through the full-text indexes', async () => {
  const now = t.clock.now();
  await t.db('custom_fields').insert({
    label: 'Serial number',
    type: 'text',
    requirement: 'optional',
    placement: 'after',
    visible_to_customer: true,
    all_categories: true,
    sort_order: 0,
    is_active: true,
    created_at: now,
    updated_at: now,
  });
  const fieldId = Number((await t.db('custom_fields').where({ label: 'Serial number' }).first('id')).id);
  const named = await f.ticket({ subject: 'Name search', name: 'Zebulon Quartermaine', email: 'zq@example.org' });
  const serial = await f.ticket({ subject: 'Field search', [`field_${fieldId}`]: 'XK9 turbo-encabulator' });
  const admin = await f.staffAgent(adminCredentials);
  const ids = async (q: string) =>
    idsIn((await admin.get(`/admin/tickets?q=${encodeURIComponent(q)}`).expect(200)).text);
  expect(await ids('Quartermaine')).toEqual([named.id]);
  expect(await ids('zebu quarter')).toEqual([named.id]);
  expect(await ids('encabulator')).toEqual([serial.id]);
  expect(await ids('turbo')).toEqual([serial.id]);
  // The column of the field shows its value; another category's ticket stays out of search.
  expect((await admin.get(`/admin/tickets?q=turbo&cols=tracking,f${fieldId}`).expect(200)).text).toContain(
    'XK9 turbo-encabulator',
  );
  const other = await f.category('Search elsewhere');
  await t.db('tickets').where({ id: named.id }).update({ category_id: other });
  const sam = await f.staffAgent(staffCredentials);
  expect(idsIn((await sam.get('/admin/tickets?q=Quartermaine').expect(200)).text)).toEqual([]);
});

test('sorting by due date and priority pages through every matching ticket exactly once, broad lists and narrow ones alike', async () => {
  const now = t.clock.now();
  const made: number[] = [];
  for (let i = 0; i < 7; i++) {
    const { id } = await f.ticket({ subject: `Paging sort ${i}`, email: `pager${i}@example.org` });
    await t
      .db('tickets')
      .where({ id })
      .update({
        due_at: now + (i % 3) * 3600_000,
        priority_id: (
          await t
            .db('priorities')
            .where({ key: i % 2 ? 'high' : 'normal' })
            .first('id')
        ).id,
      });
    made.push(id);
  }
  const admin = await f.staffAgent(adminCredentials);
  for (const [sort, dir] of [
    ['due', 'asc'],
    ['due', 'desc'],
    ['priority', 'desc'],
    ['created', 'asc'],
  ]) {
    for (const extra of ['', '&q=paging']) {
      const all = idsIn(
        (await admin.get(`/admin/tickets?size=100&sort=${sort}&dir=${dir}${extra}`).expect(200)).text,
      ).filter((id) => made.includes(id));
      expect(all.sort()).toEqual([...made].sort());
    }
  }
  const byPriority = idsIn(
    (await admin.get('/admin/tickets?size=100&sort=priority&dir=desc&q=paging').expect(200)).text,
  );
  const high = Number((await t.db('priorities').where({ key: 'high' }).first('id')).id);
  const ranks = await Promise.all(
    byPriority.map(async (id) => Number((await t.db('tickets').where({ id }).first('priority_id')).priority_id)),
  );
  expect(ranks).toEqual([...ranks].sort((a, b) => b - a));
  expect(ranks[0]).toBe(Math.max(high, ...ranks));
});
