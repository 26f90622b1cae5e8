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
const row = (id: number) => t.db('tickets').where({ id }).first('category_id', 'merged_into_id', 'message_count');
const form = (token: string, body: string) => `_csrf=${encodeURIComponent(token)}&${body}`;

test('change category of the ticked tickets: needs tickets.change_category and a category the person works', async () => {
  const billing = await f.category('Bulk billing');
  const secret = await f.category('Bulk secret');
  const [a, b] = [await f.ticket({ subject: 'Move one' }), await f.ticket({ subject: 'Move two' })];
  await f.grant(staffCredentials.email, 1);
  await f.grant(staffCredentials.email, billing);
  const sam = await f.staffAgent(staffCredentials);
  const list = await sam.get('/admin/tickets').expect(200);
  expect(list.text).toContain('<option value="category">Category</option>');
  expect(list.text).toContain('Category: Bulk billing');
  expect(list.text).not.toContain('Category: Bulk secret');
  const token = csrfFrom(list.text);
  await sam.post('/admin/tickets/bulk').type('form').send(`ids=${a.id}&action=category&value=${billing}`).expect(403);
  await sam
    .post('/admin/tickets/bulk')
    .type('form')
    .send(form(token, `ids=${a.id}&ids=${b.id}&action=category&value=${secret}`))
    .expect(303)
    .expect('Location', '/admin/tickets?done=bulkfailed');
  expect((await row(a.id)).category_id).toBe(1);
  await sam
    .post('/admin/tickets/bulk')
    .type('form')
    .send(form(token, `ids=${a.id}&ids=${b.id}&action=category&value=${billing}&back=${encodeURIComponent('q=move')}`))
    .expect(303)
    .expect('Location', '/admin/tickets?q=move&done=bulk');
  expect([(await row(a.id)).category_id, (await row(b.id)).category_id]).toEqual([billing, billing]);
  expect(
    await t
      .db('ticket_events')
      .where({ ticket_id: a.id, type: 'ticket.category_changed' })
      .count<{ n: number }[]>({ n: '*' }),
  ).toEqual([{ n: 1 }]);
  await sam
    .post('/admin/tickets/bulk')
    .type('form')
    .send(form(token, `ids=${a.id}&action=category&value=abc`))
    .expect(303)
    .expect('Location', '/admin/tickets?done=bulkfailed');

  await f.role(staffCredentials.email, 'No moving', ['tickets.view', 'tickets.reply']);
  try {
    // Neither the action nor its values in the bulk bar (the sort select has its own "category").
    const page = (await sam.get('/admin/tickets').expect(200)).text;
    expect(/id="bulk-action"[\s\S]*?<\/select>/.exec(page)![0]).not.toContain('<option value="category">');
    expect(page).not.toContain('value="category:');
    await sam
      .post('/admin/tickets/bulk')
      .type('form')
      .send(form(token, `ids=${a.id}&action=category&value=1`))
      .expect(403);
    await sam
      .post('/admin/tickets/bulk')
      .type('form')
      .send(form(token, `ids=${a.id}&action=export`))
      .expect(403);
    await sam
      .post('/admin/tickets/bulk')
      .type('form')
      .send(form(token, `ids=${a.id}&ids=${b.id}&action=merge`))
      .expect(403);
    await sam
      .post('/admin/tickets/bulk/merge')
      .type('form')
      .send(form(token, `ids=${a.id}&ids=${b.id}&confirm=yes`))
      .expect(403);
    expect((await row(a.id)).category_id).toBe(billing);
  } finally {
    await f.noRole(staffCredentials.email);
  }
});

test('merge the ticked tickets: a confirmation page, into the oldest or the chosen one, through the merge service', async () => {
  const oldest = await f.ticket({ subject: 'Merge oldest' });
  t.clock.advance(60_000);
  const middle = await f.ticket({ subject: 'Merge middle' });
  t.clock.advance(60_000);
  const newest = await f.ticket({ subject: 'Merge newest' });
  const admin = await f.staffAgent(adminCredentials);
  const token = csrfFrom((await admin.get('/admin/tickets').expect(200)).text);
  const confirm = await admin
    .post('/admin/tickets/bulk')
    .type('form')
    .send(form(token, `ids=${newest.id}&ids=${oldest.id}&ids=${middle.id}&action=merge`))
    .expect(200);
  expect(confirm.text).toContain(`id="target-${oldest.id}" name="target" value="${oldest.id}" checked`);
  expect(confirm.text).toContain('Merge 3 tickets');
  // Only one ticked: nothing to merge.
  await admin
    .post('/admin/tickets/bulk')
    .type('form')
    .send(form(token, `ids=${oldest.id}&action=merge`))
    .expect(303)
    .expect('Location', '/admin/tickets?done=bulkfailed');
  // Without the confirmation the page comes back; with it, the chosen ticket survives.
  await admin
    .post('/admin/tickets/bulk/merge')
    .type('form')
    .send(form(token, `ids=${newest.id}&ids=${middle.id}&target=${middle.id}`))
    .expect(200);
  await admin
    .post('/admin/tickets/bulk/merge')
    .type('form')
    .send(form(token, `ids=${newest.id}&ids=${middle.id}&target=${middle.id}&confirm=yes`))
    .expect(303)
    .expect('Location', `/admin/tickets/${middle.id}?done=merged`);
  expect((await row(newest.id)).merged_into_id).toBe(middle.id);
  expect((await row(middle.id)).message_count).toBe(2);
  // No target named (or one not ticked): the oldest survives.
  await admin
    .post('/admin/tickets/bulk/merge')
    .type('form')
    .send(form(token, `ids=${middle.id}&ids=${oldest.id}&target=${newest.id}&confirm=yes`))
    .expect(303)
    .expect('Location', `/admin/tickets/${oldest.id}?done=merged`);
  expect((await row(middle.id)).merged_into_id).toBe(oldest.id);
  expect(
    await t
      .db('ticket_events')
      .where({ ticket_id: oldest.id, type: 'ticket.merged' })
      .count<{ n: number }[]>({ n: '*' }),
  ).toEqual([{ n: 2 }]);
  expect(idsIn((await admin.get('/admin/tickets?q=merge&size=100').expect(200)).text)).toEqual([oldest.id]);

  // Tickets of another category are not merged by someone who cannot see them.
  const hidden = await f.category('Merge hidden');
  const x = await f.ticket({ subject: 'Merge hidden one' });
  const y = await f.ticket({ subject: 'Merge visible one' });
  await t.db('tickets').where({ id: x.id }).update({ category_id: hidden });
  await f.grant(staffCredentials.email, 1);
  const sam = await f.staffAgent(staffCredentials);
  const samToken = csrfFrom((await sam.get('/admin/tickets').expect(200)).text);
  await sam
    .post('/admin/tickets/bulk/merge')
    .type('form')
    .send(form(samToken, `ids=${x.id}&ids=${y.id}&confirm=yes`))
    .expect(303)
    .expect('Location', '/admin/tickets?done=bulkfailed');
  expect((await row(x.id)).merged_into_id).toBeNull();
  const page = await sam
    .post('/admin/tickets/bulk')
    .type('form')
    .send(form(samToken, `ids=${x.id}&ids=${y.id}&action=merge`))
    .expect(303);
  expect(page.headers.location).toBe('/admin/tickets?done=bulkfailed');
});

test('delete the ticked tickets: needs tickets.delete and a confirmation; export needs tickets.export', async () => {
  const [a, b] = [await f.ticket({ subject: 'Delete me one' }), await f.ticket({ subject: 'Delete me two' })];
  await f.grant(staffCredentials.email, 1);
  const sam = await f.staffAgent(staffCredentials);
  const samList = await sam.get('/admin/tickets').expect(200);
  expect(samList.text).not.toContain('<option value="delete">');
  expect(samList.text).toContain('<option value="export">');
  const samToken = csrfFrom(samList.text);
  await sam
    .post('/admin/tickets/bulk')
    .type('form')
    .send(form(samToken, `ids=${a.id}&action=delete`))
    .expect(403);
  await sam
    .post('/admin/tickets/bulk/delete')
    .type('form')
    .send(form(samToken, `ids=${a.id}&confirm=yes`))
    .expect(403);
  const csv = await sam
    .post('/admin/tickets/bulk')
    .type('form')
    .send(form(samToken, `ids=${a.id}&ids=${b.id}&action=export`))
    .expect(200);
  expect(csv.text.trim().split('\n')).toHaveLength(3);

  await f.role(staffCredentials.email, 'Cleaner', ['tickets.view', 'tickets.delete']);
  try {
    const list = await sam.get('/admin/tickets').expect(200);
    expect(list.text).toContain('<option value="delete">');
    expect(list.text).not.toContain('<option value="export">');
    await sam
      .post('/admin/tickets/bulk')
      .type('form')
      .send(form(samToken, `ids=${a.id}&action=export`))
      .expect(403);
    const confirm = await sam
      .post('/admin/tickets/bulk')
      .type('form')
      .send(form(samToken, `ids=${a.id}&ids=${b.id}&action=delete`))
      .expect(200);
    expect(confirm.text).toContain('Delete 2 tickets');
    expect(confirm.text).toContain('Delete me one');
    await sam
      .post('/admin/tickets/bulk/delete')
      .type('form')
      .send(form(samToken, `ids=${a.id}&ids=${b.id}`))
      .expect(200); // no confirmation: asked again
    expect(await row(a.id)).toBeDefined();
    await sam
      .post('/admin/tickets/bulk/delete')
      .type('form')
      .send(form(samToken, `ids=${a.id}&ids=${b.id}&confirm=yes`))
      .expect(303)
      .expect('Location', '/admin/tickets?done=deleted');
    expect(await row(a.id)).toBeUndefined();
    expect(await row(b.id)).toBeUndefined();
  } finally {
    await f.noRole(staffCredentials.email);
  }
  // Bad ids are dropped, never a crash.
  await sam
    .post('/admin/tickets/bulk')
    .type('form')
    .send(form(samToken, 'ids=abc&ids=-1&ids=1e3&action=status&value=closed'))
    .expect(303)
    .expect('Location', '/admin/tickets?done=none');
  await sam
    .post('/admin/tickets/bulk')
    .type('form')
    .send(form(samToken, `ids=${'9'.repeat(30)}&action=status&value=closed`))
    .expect(303);
});
