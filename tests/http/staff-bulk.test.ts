import request from 'supertest';
import { insertReturningId } from '../../src/db/insert';
import { neutralise } from '../../src/tickets/ticket-export';
import {
  adminCredentials,
  csrfFrom,
  signIn,
  staffCredentials,
  useInstalledApp,
  type InstalledApp,
} from '../helpers/installed-app';
import { openTicket } from '../helpers/portal';

let t: InstalledApp;
useInstalledApp((app) => (t = app), { freshRateLimits: true });

async function ids(subjects: string[]): Promise<number[]> {
  const out: number[] = [];
  for (const subject of subjects) {
    const tracking = await openTicket(t, request.agent(t.app), { subject });
    out.push(Number((await t.db('tickets').where({ tracking_id: tracking }).first('id')).id));
  }
  return out;
}
const statusOf = async (id: number) =>
  (await t.db('tickets as t').join('statuses as s', 's.id', 't.status_id').where('t.id', id).first('s.key')).key;

test('bulk-close the ticked tickets; other staff cannot touch tickets they may not see', async () => {
  const [a, b, c] = await ids(['Bulk one', 'Bulk two', 'Bulk three']);
  const admin = request.agent(t.app);
  expect((await signIn(admin, adminCredentials)).status).toBe(303);
  const list = await admin.get('/admin/tickets').expect(200);
  expect(list.text).toContain(`name="ids" value="${a}"`);
  const token = csrfFrom(list.text);
  await admin.post('/admin/tickets/bulk').type('form').send(`ids=${a}&ids=${b}&action=status&value=closed`).expect(403);
  await admin
    .post('/admin/tickets/bulk')
    .type('form')
    .send(`_csrf=${encodeURIComponent(token)}&ids=${a}&ids=${b}&action=status&value=closed`)
    .expect(303)
    .expect('Location', '/admin/tickets?done=bulk');
  expect([await statusOf(a!), await statusOf(b!), await statusOf(c!)]).toEqual(['closed', 'closed', 'new']);
  expect(
    await t
      .db('ticket_events')
      .where({ ticket_id: a, type: 'ticket.status_changed' })
      .count<{ n: number }[]>({ n: '*' }),
  ).toEqual([{ n: 1 }]);
  await admin
    .post('/admin/tickets/bulk')
    .type('form')
    .send(`_csrf=${encodeURIComponent(token)}&ids=${c}&action=owner&value=closed`)
    .expect(303)
    .expect('Location', '/admin/tickets?done=bulkfailed');

  const sam = request.agent(t.app);
  expect((await signIn(sam, staffCredentials)).status).toBe(303);
  const samToken = csrfFrom((await sam.get('/admin/tickets')).text);
  await sam
    .post('/admin/tickets/bulk')
    .type('form')
    .send(`_csrf=${encodeURIComponent(samToken)}&ids=${c}&action=status&value=closed`)
    .expect(303);
  expect(await statusOf(c!)).toBe('new');
  const csv = await sam
    .post('/admin/tickets/bulk')
    .type('form')
    .send(`_csrf=${encodeURIComponent(samToken)}&ids=${c}&action=export`)
    .expect(200);
  expect(csv.text.trim().split('\n')).toHaveLength(1); // the header only
});

test('each value of the bulk list names its action: a value of another action, or none, changes nothing', async () => {
  const [a] = await ids(['Bulk mix-up']);
  const admin = request.agent(t.app);
  expect((await signIn(admin, adminCredentials)).status).toBe(303);
  const list = await admin.get('/admin/tickets').expect(200);
  // Nothing is chosen at first, and every value says what it belongs to.
  expect(list.text).toMatch(/<option value="" selected>Choose…<\/option>/);
  for (const value of ['status:closed', 'priority:high', 'owner:', 'category:1'])
    expect(list.text).toContain(`<option value="${value}"`);
  const token = encodeURIComponent(csrfFrom(list.text));
  const before = await t.db('tickets').where({ id: a }).first('status_id', 'priority_id', 'owner_id', 'category_id');
  const post = (body: string) =>
    admin.post('/admin/tickets/bulk').type('form').send(`_csrf=${token}&ids=${a}&${body}`).expect(303);
  const adminId = (await t.db('staff_users').where({ email: adminCredentials.email }).first('id')).id;
  for (const wrong of [
    `action=category&value=owner:${adminId}`,
    'action=owner&value=category:1',
    'action=status&value=',
    'action=owner&value=',
    'action=priority&value=status:closed',
  ]) {
    await post(wrong).expect('Location', '/admin/tickets?done=bulkfailed');
  }
  expect(await t.db('tickets').where({ id: a }).first('status_id', 'priority_id', 'owner_id', 'category_id')).toEqual(
    before,
  );
  await post(`action=owner&value=owner:${adminId}`).expect('Location', '/admin/tickets?done=bulk');
  expect(Number((await t.db('tickets').where({ id: a }).first('owner_id')).owner_id)).toBe(Number(adminId));
  await post('action=owner&value=owner:').expect('Location', '/admin/tickets?done=bulk');
  expect((await t.db('tickets').where({ id: a }).first('owner_id')).owner_id).toBeNull();
  await post('action=status&value=status:closed').expect('Location', '/admin/tickets?done=bulk');
  expect(await statusOf(a!)).toBe('closed');
});

test('CSV export of the ticked tickets neutralises formula cells', async () => {
  const [x] = await ids(['=HYPERLINK("http://evil.example","click")']);
  await t
    .db('customers')
    .whereIn('id', t.db('tickets').select('customer_id').where({ id: x }))
    .update({ name: '@SUM(A1)' });
  const admin = request.agent(t.app);
  expect((await signIn(admin, adminCredentials)).status).toBe(303);
  const token = csrfFrom((await admin.get('/admin/tickets')).text);
  const res = await admin
    .post('/admin/tickets/bulk')
    .type('form')
    .send(`_csrf=${encodeURIComponent(token)}&ids=${x}&action=export`)
    .expect(200);
  expect(res.headers['content-type']).toContain('text/csv');
  expect(res.headers['content-disposition']).toContain('attachment');
  expect(res.text).toContain(`"'=HYPERLINK(""http://evil.example"",""click"")"`);
  expect(res.text).toContain("'@SUM(A1)");
  // Custom fields are columns of the export, headed by their labels; their values are neutralised too.
  const now = Date.now();
  const fieldId = await insertReturningId(t.db, 'custom_fields', {
    label: 'Order number',
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
  await t.db('custom_field_values').insert({ ticket_id: x, field_id: fieldId, value: '=SUM(9)' });
  const withField = await admin
    .post('/admin/tickets/bulk')
    .type('form')
    .send(`_csrf=${encodeURIComponent(token)}&ids=${x}&action=export`)
    .expect(200);
  const [head, line] = withField.text.replace(/^\ufeff/, '').split('\n');
  expect(head!.endsWith(',Order number')).toBe(true);
  expect(line!.endsWith(",'=SUM(9)")).toBe(true);
  for (const [input, out] of [
    ['=1+1', "'=1+1"],
    ['+1', "'+1"],
    ['-1', "'-1"],
    ['@x', "'@x"],
    ['\tx', "'\tx"],
    ['plain', 'plain'],
  ])
    expect(neutralise(input!)).toBe(out);
});
