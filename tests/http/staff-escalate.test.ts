import request from 'supertest';
import { hashPassword } from '../../src/staff/password';
import { insertStaff } from '../../src/staff/staff.repo';
import { csrfFrom, signIn, staffCredentials, useInstalledApp, type InstalledApp } from '../helpers/installed-app';
import { openTicket } from '../helpers/portal';

let t: InstalledApp;
useInstalledApp((app) => (t = app), { freshRateLimits: true });

test('tier 1 escalates to tier 2 with a reason; the ticket moves, tier 2 is told, tier 1 loses it', async () => {
  const now = t.clock.now();
  await t.db('categories').insert({
    name: 'Experts',
    tier: 2,
    is_public: false,
    sort_order: 1,
    is_active: true,
    created_at: now,
    updated_at: now,
  });
  const experts = Number((await t.db('categories').where({ name: 'Experts' }).first('id')).id);
  const expert = { name: 'Erin Expert', email: 'erin@example.com', password: 'tier two specialist passphrase' };
  const erinId = await insertStaff(
    t.db,
    { ...expert, passwordHash: await hashPassword(expert.password), isAdmin: false, language: 'en' },
    now,
  );
  const samId = Number((await t.db('staff_users').where({ email: staffCredentials.email }).first('id')).id);
  await t.db('staff_categories').insert([
    { staff_id: samId, category_id: 1 },
    { staff_id: erinId, category_id: experts },
  ]);

  const tracking = await openTicket(t, request.agent(t.app), { subject: 'Database corruption' });
  const id = Number((await t.db('tickets').where({ tracking_id: tracking }).first('id')).id);
  await t.db('tickets').where({ id }).update({ owner_id: samId });

  const sam = request.agent(t.app);
  expect((await signIn(sam, staffCredentials)).status).toBe(303);
  const token = csrfFrom((await sam.get(`/admin/tickets/${id}`).expect(200)).text);
  const noTarget = await sam
    .post(`/admin/tickets/${id}/escalate`)
    .type('form')
    .send({ _csrf: token, reason: 'Beyond me' });
  expect(noTarget.status).toBe(400);
  expect(noTarget.text).toContain('This category has no escalation target.');

  await t.db('categories').where({ id: 1 }).update({ escalate_to_id: experts });
  await t.db('mail_outbox').del();
  const empty = await sam.post(`/admin/tickets/${id}/escalate`).type('form').send({ _csrf: token, reason: '  ' });
  expect(empty.status).toBe(400);
  await sam
    .post(`/admin/tickets/${id}/escalate`)
    .type('form')
    .send({ _csrf: token, reason: 'Needs a DBA <b>now</b>' })
    .expect(303)
    .expect('Location', '/admin/tickets?done=escalated');

  const row = await t.db('tickets').where({ id }).first('category_id', 'tier', 'owner_id');
  expect([Number(row.category_id), Number(row.tier), row.owner_id]).toEqual([experts, 2, null]);
  await sam.get(`/admin/tickets/${id}`).expect(404);
  const erin = request.agent(t.app);
  expect((await signIn(erin, expert)).status).toBe(303);
  const page = await erin.get(`/admin/tickets/${id}`).expect(200);
  expect(page.text).toContain('Needs a DBA &lt;b&gt;now&lt;/b&gt;');
  const mails = await t.db('mail_outbox').where({ template: 'staff_escalated' }).pluck('to_address');
  expect(mails.sort()).toEqual(['ada@example.com', 'erin@example.com']);
  const event = await t.db('ticket_events').where({ ticket_id: id, type: 'ticket.escalated' }).first('data');
  expect(JSON.parse(event.data)).toMatchObject({
    from: 'General',
    to: 'Experts',
    tier: 2,
    reason: 'Needs a DBA <b>now</b>',
  });
  // The owner let go with the escalation: the history has that owner change too (Sam → nobody).
  const owners = await t.db('ticket_events').where({ ticket_id: id, type: 'ticket.assigned' }).select('data');
  expect(owners.map((o) => JSON.parse(o.data))).toEqual([{ from: samId, to: null }]);
  expect(page.text).toContain(`${(await t.db('staff_users').where({ id: samId }).first('name')).name} → Unassigned`);
});
