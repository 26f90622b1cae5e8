import {
  adminCredentials,
  csrfFrom,
  staffCredentials,
  useInstalledApp,
  type InstalledApp,
} from '../helpers/installed-app';
import { listFixtures } from '../helpers/staff-list';
import { normaliseTag } from '../../src/tags/tags.service';
import { listVisibleTagNames } from '../../src/tags/tags.repo';
import { plansOf } from '../helpers/query-plans';

let t: InstalledApp;
useInstalledApp((app) => (t = app), { freshRateLimits: true });
const f = listFixtures(() => t);
const tagsOf = async (id: number) =>
  (
    await t
      .db('ticket_tags as tt')
      .join('tags as g', 'g.id', 'tt.tag_id')
      .where('tt.ticket_id', id)
      .orderBy('g.name')
      .select('g.name')
  ).map((r: { name: string }) => r.name);

test('tags are added and removed on the ticket page, each change an event row; the inputs are checked', async () => {
  const { id } = await f.ticket({ subject: 'Tag me' });
  const admin = await f.staffAgent(adminCredentials);
  const page = await admin.get(`/admin/tickets/${id}`).expect(200);
  expect(page.text).toContain('id="tags-title"');
  expect(page.text).toContain('list="ticket-tag-suggestions"');
  const _csrf = csrfFrom(page.text);
  await admin.post(`/admin/tickets/${id}/tags`).type('form').send({ tags: 'vip' }).expect(403);
  await admin
    .post(`/admin/tickets/${id}/tags`)
    .type('form')
    .send({ _csrf, tags: ' VIP ,  Printer   jam, vip' })
    .expect(303)
    .expect('Location', `/admin/tickets/${id}#tags`);
  expect(await tagsOf(id)).toEqual(['printer jam', 'vip']);
  const events = await t
    .db('ticket_events')
    .where({ ticket_id: id })
    .whereIn('type', ['ticket.tag_added', 'ticket.tag_removed'])
    .orderBy('id')
    .select('type', 'data', 'actor_type');
  expect(events.map((e: { type: string; data: string }) => [e.type, JSON.parse(e.data).tag])).toEqual([
    ['ticket.tag_added', 'vip'],
    ['ticket.tag_added', 'printer jam'],
  ]);
  // Adding a tag that is already there changes nothing and records nothing.
  await admin.post(`/admin/tickets/${id}/tags`).type('form').send({ _csrf, tags: 'vip' }).expect(303);
  expect(
    await t.db('ticket_events').where({ ticket_id: id, type: 'ticket.tag_added' }).count<{ n: number }[]>({ n: '*' }),
  ).toEqual([{ n: 2 }]);

  const shown = await admin.get(`/admin/tickets/${id}`).expect(200);
  expect(shown.text).toContain('href="/admin/tickets?tag=printer%20jam"');
  expect(shown.text).toContain('aria-label="Remove the tag vip"');
  expect(shown.text).toContain('Tag added: printer jam');
  await admin.post(`/admin/tickets/${id}/tags/remove`).type('form').send({ _csrf, tag: 'vip' }).expect(303);
  expect(await tagsOf(id)).toEqual(['printer jam']);
  expect(
    await t.db('ticket_events').where({ ticket_id: id, type: 'ticket.tag_removed' }).count<{ n: number }[]>({ n: '*' }),
  ).toEqual([{ n: 1 }]);
  await admin.post(`/admin/tickets/${id}/tags/remove`).type('form').send({ _csrf, tag: 'not-there' }).expect(303);

  // Bad input: empty, too long, too many, HTML (stored as text, shown inert), wrong types.
  const empty = await admin.post(`/admin/tickets/${id}/tags`).type('form').send({ _csrf, tags: ' , ' }).expect(303);
  expect(empty.headers.location).toContain('tagerror=tags.errorEmpty');
  expect((await admin.get(empty.headers.location!).expect(200)).text).toContain('Type a tag.');
  const long = await admin
    .post(`/admin/tickets/${id}/tags`)
    .type('form')
    .send({ _csrf, tags: 'x'.repeat(41) })
    .expect(303);
  expect((await admin.get(long.headers.location!).expect(200)).text).toContain('A tag can have at most 40 characters.');
  const many = await admin
    .post(`/admin/tickets/${id}/tags`)
    .type('form')
    .send({ _csrf, tags: Array.from({ length: 11 }, (_, i) => `t${i}`).join(',') })
    .expect(303);
  expect(many.headers.location).toContain('tagerror=tags.errorTooMany');
  await admin
    .get(`/admin/tickets/${id}?tagerror=${encodeURIComponent('<b>x</b>')}`)
    .expect(200)
    .expect((r) => expect(r.text).not.toContain('<b>x</b>'));
  await admin
    .post(`/admin/tickets/${id}/tags`)
    .type('form')
    .send(`_csrf=${encodeURIComponent(_csrf)}&tags=a&tags=b`)
    .expect(303);
  expect(await tagsOf(id)).toEqual(['printer jam']); // a list instead of text adds nothing
  await admin
    .post(`/admin/tickets/${id}/tags`)
    .type('form')
    .send({ _csrf, tags: '<img src=x onerror=alert(1)>' })
    .expect(303);
  const inert = await admin.get(`/admin/tickets/${id}`).expect(200);
  expect(inert.text).not.toContain('<img src=x');
  expect(inert.text).toContain('&lt;img src=x onerror=alert(1)&gt;');
});

test('a ticket holds at most 30 tags: more, ten at a time, are refused whole with a message', async () => {
  const { id } = await f.ticket({ subject: 'Tag collector' });
  const admin = await f.staffAgent(adminCredentials);
  const _csrf = csrfFrom((await admin.get(`/admin/tickets/${id}`).expect(200)).text);
  const batch = (from: number) => Array.from({ length: 10 }, (_, i) => `bulk${from + i}`).join(',');
  for (const from of [0, 10, 20])
    await admin
      .post(`/admin/tickets/${id}/tags`)
      .type('form')
      .send({ _csrf, tags: batch(from) })
      .expect(303)
      .expect('Location', `/admin/tickets/${id}#tags`);
  expect(await tagsOf(id)).toHaveLength(30);
  const full = await admin
    .post(`/admin/tickets/${id}/tags`)
    .type('form')
    .send({ _csrf, tags: 'one more, bulk0' })
    .expect(303);
  expect(full.headers.location).toContain('tagerror=tags.errorTicketFull');
  expect((await admin.get(full.headers.location!).expect(200)).text).toContain('A ticket can have at most 30 tags');
  expect(await tagsOf(id)).toHaveLength(30);
  // A tag already on the ticket is no addition.
  await admin
    .post(`/admin/tickets/${id}/tags`)
    .type('form')
    .send({ _csrf, tags: 'bulk0' })
    .expect(303)
    .expect('Location', `/admin/tickets/${id}#tags`);
});

test('tags of tickets in another category: 404 on every tag route, and never suggested', async () => {
  const other = await f.category('Tags elsewhere');
  const { id } = await f.ticket({ subject: 'Hidden tags' });
  await t.db('tickets').where({ id }).update({ category_id: other });
  const admin = await f.staffAgent(adminCredentials);
  const _csrf = csrfFrom((await admin.get(`/admin/tickets/${id}`).expect(200)).text);
  await admin.post(`/admin/tickets/${id}/tags`).type('form').send({ _csrf, tags: 'classified' }).expect(303);

  await f.grant(staffCredentials.email, 1);
  const visible = await f.ticket({ subject: 'Sam can see me' });
  const sam = await f.staffAgent(staffCredentials);
  const samPage = await sam.get(`/admin/tickets/${visible.id}`).expect(200);
  expect(samPage.text).not.toContain('classified');
  const token = csrfFrom(samPage.text);
  await sam.post(`/admin/tickets/${id}/tags`).type('form').send({ _csrf: token, tags: 'mine' }).expect(404);
  await sam.post(`/admin/tickets/${id}/tags/remove`).type('form').send({ _csrf: token, tag: 'classified' }).expect(404);
  expect(await tagsOf(id)).toEqual(['classified']);
  expect((await sam.get('/admin/tickets?tag=classified').expect(200)).text).not.toContain('Hidden tags');

  // Moved into Sam's category, the ticket's tags become his suggestions too.
  await admin
    .post('/admin/tickets/bulk')
    .type('form')
    .send({ _csrf, action: 'category', value: '1', ids: [String(id)] })
    .expect(303);
  expect((await sam.get(`/admin/tickets/${visible.id}`).expect(200)).text).toContain('<option value="classified">');
});

test('tag suggestions never walk the tickets a tag is on (a quarter second per ticket page at a million tickets)', async () => {
  for (const categories of [[1], 'all'] as const) {
    const plans = await plansOf(t.db, () =>
      listVisibleTagNames(t.db, categories === 'all' ? 'all' : [...categories], 300),
    );
    expect(plans.length).toBeGreaterThan(0);
    expect(plans.filter((p) => /\btickets\b|\bticket_tags\b/.test(p.sql)).map((p) => p.sql)).toEqual([]);
  }
});

test('tag names are normalised once, the same way everywhere', () => {
  expect(normaliseTag('  Printer \t Jam ')).toBe('printer jam');
  expect(normaliseTag('a,b')).toBe('a b');
  expect(normaliseTag('x'.repeat(40))).toBe('x'.repeat(40));
  expect(normaliseTag('x'.repeat(41))).toBeNull();
  expect(normaliseTag('\u0000\u200b')).toBeNull();
});
