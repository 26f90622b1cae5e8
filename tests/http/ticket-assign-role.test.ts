import {
  adminCredentials,
  csrfFrom,
  staffCredentials,
  useInstalledApp,
  type InstalledApp,
} from '../helpers/installed-app';
import { listFixtures } from '../helpers/staff-list';

let t: InstalledApp;
useInstalledApp((app) => (t = app), { freshRateLimits: true });
const f = listFixtures(() => t);

test('a ticket is never given to someone whose role may not see tickets: one by one or in bulk', async () => {
  await f.grant(staffCredentials.email, 1);
  await f.role(staffCredentials.email, 'Articles only', ['kb.manage']);
  const sam = await f.staffId(staffCredentials.email);
  const { id } = await f.ticket({ subject: 'Who takes this?' });
  const admin = await f.staffAgent(adminCredentials);
  const _csrf = csrfFrom((await admin.get(`/admin/tickets/${id}`).expect(200)).text);

  const one = await admin
    .post(`/admin/tickets/${id}/properties`)
    .type('form')
    .send({ _csrf, owner: String(sam) });
  expect(one.status).toBe(400);
  expect(one.text).toContain('This person cannot work tickets of this category.');
  const bulk = await admin
    .post('/admin/tickets/bulk')
    .type('form')
    .send({ _csrf, action: 'owner', value: String(sam), ids: [String(id)] })
    .expect(303);
  expect(bulk.headers.location).toContain('done=bulkfailed');
  expect((await t.db('tickets').where({ id }).first('owner_id')).owner_id).toBeNull();

  // With the ordinary staff role, the same person may take it.
  await f.noRole(staffCredentials.email);
  await admin
    .post(`/admin/tickets/${id}/properties`)
    .type('form')
    .send({ _csrf, owner: String(sam) })
    .expect(303);
  expect(Number((await t.db('tickets').where({ id }).first('owner_id')).owner_id)).toBe(sam);
});

test('moving a ticket to a category its owner may not work lets the owner go, with a history row; a category they work keeps them', async () => {
  await f.noRole(staffCredentials.email);
  await f.grant(staffCredentials.email, 1);
  const sam = await f.staffId(staffCredentials.email);
  const shared = await f.category('Sam works here too');
  await f.grant(staffCredentials.email, shared);
  const elsewhere = await f.category('Sam never works here');
  const { id } = await f.ticket({ subject: 'Owned and moved' });
  await t.db('tickets').where({ id }).update({ owner_id: sam });
  const admin = await f.staffAgent(adminCredentials);
  const _csrf = csrfFrom((await admin.get(`/admin/tickets/${id}`).expect(200)).text);
  const move = (category: number) =>
    admin
      .post('/admin/tickets/bulk')
      .type('form')
      .send({ _csrf, action: 'category', value: String(category), ids: [String(id)] })
      .expect(303);

  await move(shared);
  expect(Number((await t.db('tickets').where({ id }).first('owner_id')).owner_id)).toBe(sam);
  await move(elsewhere);
  const row = await t.db('tickets').where({ id }).first('owner_id', 'category_id');
  expect([row.owner_id, Number(row.category_id)]).toEqual([null, elsewhere]);
  const events = await t
    .db('ticket_events')
    .where({ ticket_id: id })
    .whereIn('type', ['ticket.category_changed', 'ticket.assigned'])
    .orderBy('id')
    .pluck('type');
  expect(events).toEqual(['ticket.category_changed', 'ticket.category_changed', 'ticket.assigned']);
});
