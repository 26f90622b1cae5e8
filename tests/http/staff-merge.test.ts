import request from 'supertest';
import { adminCredentials, csrfFrom, signIn, useInstalledApp, type InstalledApp } from '../helpers/installed-app';
import { openTicket } from '../helpers/portal';

let t: InstalledApp;
useInstalledApp((app) => (t = app), { freshRateLimits: true });

const png = Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), Buffer.alloc(64)]);

async function ticket(customer: request.Agent, subject: string) {
  const tracking = await openTicket(t, customer, { subject });
  return { tracking, id: Number((await t.db('tickets').where({ tracking_id: tracking }).first('id')).id) };
}

test('merging moves thread, files, fields and history; the old tracking ID leads to the survivor', async () => {
  const customer = request.agent(t.app);
  const keep = await ticket(customer, 'Printer broken');
  const dup = await ticket(customer, 'Printer still broken');
  const now = t.clock.now();
  await t.db('custom_fields').insert({
    label: 'Serial',
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
  const field = await t.db('custom_fields').where({ label: 'Serial' }).first('id');
  await t.db('custom_field_values').insert({ ticket_id: dup.id, field_id: field.id, value: 'SN-42' });
  const dupMessage = await t.db('messages').where({ ticket_id: dup.id }).first('id');
  await t.db('attachments').insert({
    ticket_id: dup.id,
    message_id: dupMessage.id,
    storage_key: 'a'.repeat(40),
    file_name: 'x.png',
    content_type: 'image/png',
    size_bytes: png.length,
    sha256: '0'.repeat(64),
    created_at: now,
  });

  const admin = request.agent(t.app);
  expect((await signIn(admin, adminCredentials)).status).toBe(303);
  const token = csrfFrom((await admin.get(`/admin/tickets/${dup.id}`)).text);
  const unconfirmed = await admin
    .post(`/admin/tickets/${dup.id}/merge`)
    .type('form')
    .send({ _csrf: token, target: keep.tracking });
  expect(unconfirmed.status).toBe(400);
  expect(unconfirmed.text).toContain('Tick the box to confirm the merge.');
  await admin
    .post(`/admin/tickets/${dup.id}/merge`)
    .type('form')
    .send({ _csrf: token, target: keep.tracking.toLowerCase(), confirm: 'yes' })
    .expect(303)
    .expect('Location', `/admin/tickets/${keep.id}?done=merged`);

  expect(await t.db('messages').where({ ticket_id: keep.id }).count<{ n: number }[]>({ n: '*' })).toEqual([{ n: 2 }]);
  expect(await t.db('attachments').where({ ticket_id: keep.id }).count<{ n: number }[]>({ n: '*' })).toEqual([
    { n: 1 },
  ]);
  expect((await t.db('custom_field_values').where({ ticket_id: keep.id }).first('value')).value).toBe('SN-42');
  const events = await t.db('ticket_events').where({ ticket_id: keep.id }).pluck('type');
  expect(events.filter((e: string) => e === 'ticket.created')).toHaveLength(2);
  expect(events).toContain('ticket.merged');
  const merged = await t.db('tickets').where({ id: dup.id }).first('merged_into_id', 'message_count');
  expect(Number(merged.merged_into_id)).toBe(keep.id);
  expect((await t.db('tickets').where({ id: keep.id }).first('message_count')).message_count).toBe(2);

  await customer
    .get(`/helpdesk/tickets/${dup.tracking}`)
    .expect(303)
    .expect('Location', `/helpdesk/tickets/${keep.tracking}`);
  // Staff following the old ticket land on the surviving one; the merged ticket takes no more changes.
  await admin.get(`/admin/tickets/${dup.id}`).expect(302).expect('Location', `/admin/tickets/${keep.id}`);
  for (const [path, form] of [
    ['reply', { message: 'Lost?' }],
    ['note', { message: 'Lost?' }],
    ['properties', { priority: 'high' }],
    ['take', {}],
    ['tags', { tags: 'lost' }],
    ['due', { due: '2030-01-01T10:00' }],
  ] as const) {
    expect([
      path,
      (
        await admin
          .post(`/admin/tickets/${dup.id}/${path}`)
          .type('form')
          .send({ _csrf: token, ...form })
      ).status,
    ]).toEqual([path, 409]);
  }
  expect(await t.db('messages').where({ ticket_id: dup.id }).count<{ n: number }[]>({ n: '*' })).toEqual([{ n: 0 }]);
  // It is still read (print view, who is viewing it), and a bulk change passes over it.
  await admin.get(`/admin/tickets/${dup.id}/print`).expect(200);
  await admin.get(`/admin/tickets/${dup.id}/presence`).expect(200);
  const priorityOf = async (id: number) =>
    (await t.db('tickets as t').join('priorities as p', 'p.id', 't.priority_id').where('t.id', id).first('p.key')).key;
  const dupPriority = await priorityOf(dup.id);
  await admin
    .post('/admin/tickets/bulk')
    .type('form')
    .send({ _csrf: token, action: 'priority', value: 'priority:urgent', ids: [String(dup.id), String(keep.id)] })
    .expect(303)
    .expect('Location', '/admin/tickets?done=bulk');
  expect([await priorityOf(dup.id), await priorityOf(keep.id)]).toEqual([dupPriority, 'urgent']);
  const list = await admin.get('/admin/tickets?status=closed').expect(200);
  expect(list.text).not.toContain(`/admin/tickets/${dup.id}"`);
  // Searching the old tracking ID finds the surviving ticket.
  const found = await admin.get(`/admin/tickets?q=${dup.tracking}`).expect(200);
  expect(found.text).toContain(`/admin/tickets/${keep.id}"`);
  expect(found.text).not.toContain(`/admin/tickets/${dup.id}"`);

  const again = await admin
    .post(`/admin/tickets/${dup.id}/merge`)
    .type('form')
    .send({ _csrf: token, target: keep.tracking, confirm: 'yes' });
  expect(again.status).toBe(400);
  expect(again.text).toContain('Merged tickets cannot be merged again.');
  const self = await admin
    .post(`/admin/tickets/${keep.id}/merge`)
    .type('form')
    .send({ _csrf: token, target: keep.tracking, confirm: 'yes' });
  expect(self.status).toBe(400);
  expect(self.text).toContain('A ticket cannot be merged into itself.');
  const into = await ticket(customer, 'Third');
  const intoMerged = await admin
    .post(`/admin/tickets/${into.id}/merge`)
    .type('form')
    .send({ _csrf: token, target: dup.tracking, confirm: 'yes' });
  expect(intoMerged.status).toBe(400);
  const unknown = await admin
    .post(`/admin/tickets/${into.id}/merge`)
    .type('form')
    .send({ _csrf: token, target: 'ABC-234-DEFG', confirm: 'yes' });
  expect(unknown.text).toContain('There is no ticket with this tracking ID');
});

test("admins delete a ticket for good after confirming; others cannot; the customer's other tickets are listed", async () => {
  const customer = request.agent(t.app);
  const first = await ticket(customer, 'First of two');
  const second = await ticket(customer, 'Second of two');
  const admin = request.agent(t.app);
  expect((await signIn(admin, adminCredentials)).status).toBe(303);
  const page = await admin.get(`/admin/tickets/${second.id}`).expect(200);
  expect(page.text).toContain('Customer&#39;s other tickets');
  expect(page.text).toContain('First of two');
  const token = csrfFrom(page.text);
  const sam = request.agent(t.app);
  expect((await signIn(sam, { email: 'sam@example.com', password: 'another quite long passphrase 7' })).status).toBe(
    303,
  );
  const samToken = csrfFrom((await sam.get('/admin/tickets')).text);
  await sam
    .post(`/admin/tickets/${first.id}/delete`)
    .type('form')
    .send({ _csrf: samToken, confirm: 'yes' })
    .expect(404);
  const unconfirmed = await admin.post(`/admin/tickets/${first.id}/delete`).type('form').send({ _csrf: token });
  expect(unconfirmed.status).toBe(400);
  await admin
    .post(`/admin/tickets/${first.id}/delete`)
    .type('form')
    .send({ _csrf: token, confirm: 'yes' })
    .expect(303)
    .expect('Location', '/admin/tickets');
  expect(await t.db('tickets').where({ id: first.id }).first()).toBeUndefined();
  expect(await t.db('messages').where({ ticket_id: first.id }).count<{ n: number }[]>({ n: '*' })).toEqual([{ n: 0 }]);
  await admin.get(`/admin/tickets/${first.id}`).expect(404);
});
