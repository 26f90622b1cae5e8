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

async function formOf(agent: Awaited<ReturnType<typeof f.staffAgent>>) {
  const page = await agent.get('/admin/tickets/new').expect(200);
  const key = /name="submission_key" value="([a-f0-9]{32})"/.exec(page.text)![1]!;
  return { page, token: csrfFrom(page.text), key };
}
const mailsTo = (address: string, template: string) =>
  t
    .db('mail_outbox')
    .where({ to_address: address, template })
    .count<{ n: number }[]>({ n: '*' })
    .then((r) => Number(r[0]!.n));

test("staff open a ticket for a phoning customer: the customer's message typed by staff, mailed only if chosen, assigned to me if asked", async () => {
  const admin = await f.staffAgent(adminCredentials);
  const { page, token, key } = await formOf(admin);
  expect(page.text).toContain('Tell the customer?');
  const send = (fields: Record<string, string>, csrf = token) => {
    let req = admin.post(`/admin/tickets/new?_csrf=${encodeURIComponent(csrf)}`).field('_csrf', csrf);
    for (const [k, v] of Object.entries(fields)) req = req.field(k, v);
    return req;
  };
  const base = {
    submission_key: key,
    email: 'Phone.Caller@Example.org',
    name: 'Phil Caller',
    category: '1',
    priority: 'high',
    subject: 'Called about the invoice',
    message: 'Says the invoice total is wrong.',
    notify: 'no',
    language: 'sk',
  };
  const res = await send({ ...base, assign_me: 'yes' })
    .attach('attachments', Buffer.from('call notes'), 'notes.txt')
    .expect(303);
  const id = Number(/\/admin\/tickets\/(\d+)\?done=created/.exec(res.headers.location!)![1]);
  const ticket = await t
    .db('tickets as t')
    .join('customers as c', 'c.id', 't.customer_id')
    .join('priorities as p', 'p.id', 't.priority_id')
    .where('t.id', id)
    .first('t.source', 't.owner_id', 't.language', 'c.email', 'c.name', 'p.key as priority');
  expect(ticket).toMatchObject({
    source: 'staff',
    owner_id: await f.staffId(adminCredentials.email),
    language: 'sk',
    email: 'phone.caller@example.org',
    name: 'Phil Caller',
    priority: 'high',
  });
  const message = await t
    .db('messages')
    .where({ ticket_id: id })
    .first('kind', 'staff_id', 'customer_id', 'author_name');
  expect(message).toMatchObject({
    kind: 'customer',
    staff_id: await f.staffId(adminCredentials.email),
    author_name: 'Phil Caller',
  });
  // Staff see who typed it in for the caller.
  expect((await admin.get(`/admin/tickets/${id}`).expect(200)).text).toContain(`Entered by ${adminCredentials.name}`);
  expect(await t.db('attachments').where({ ticket_id: id }).count<{ n: number }[]>({ n: '*' })).toEqual([{ n: 1 }]);
  const created = await t
    .db('ticket_events')
    .where({ ticket_id: id, type: 'ticket.created' })
    .first('actor_type', 'actor_id');
  expect(created).toMatchObject({ actor_type: 'staff', actor_id: await f.staffId(adminCredentials.email) });
  expect(await mailsTo('phone.caller@example.org', 'ticket_received')).toBe(0);
  // The same form sent twice (a double click) makes one ticket.
  await send({ ...base })
    .expect(303)
    .expect('Location', `/admin/tickets/${id}?done=created`);

  const again = await formOf(admin);
  await send({ ...base, submission_key: again.key, subject: 'Walk-in visit', notify: 'yes' }, again.token).expect(303);
  expect(await mailsTo('phone.caller@example.org', 'ticket_received')).toBe(1);
  expect((await t.db('tickets').where({ subject: 'Walk-in visit' }).first('owner_id')).owner_id).toBeNull();
});

test('bad input: every field checked at once, values kept, HTML inert, categories out of reach refused, CSRF required', async () => {
  const hidden = await f.category('New ticket hidden');
  await f.grant(staffCredentials.email, 1);
  const sam = await f.staffAgent(staffCredentials);
  const { page, token, key } = await formOf(sam);
  expect(page.text).not.toContain('New ticket hidden');
  const send = (fields: Record<string, string | string[]>, csrf: string | null = token) => {
    const req = sam.post(`/admin/tickets/new${csrf ? `?_csrf=${encodeURIComponent(csrf)}` : ''}`).type('form');
    return req.send(
      new URLSearchParams([
        ...(csrf ? [['_csrf', csrf]] : []),
        ...Object.entries(fields).flatMap(([k, v]) => ([] as string[]).concat(v).map((one) => [k, one])),
      ]).toString(),
    );
  };
  await send(
    { email: 'a@example.org', name: 'A', category: '1', subject: 's', message: 'm', notify: 'no' },
    null,
  ).expect(403);
  const bad = await send({
    submission_key: key,
    email: 'not-an-address',
    name: '<b>Bold</b>',
    category: String(hidden),
    subject: '',
    message: ' ',
    notify: 'maybe',
    priority: 'nonsense',
    language: 'xx',
  }).expect(400);
  for (const field of ['email', 'category', 'subject', 'message', 'notify', 'priority', 'language'])
    expect(bad.text).toContain(`href="#${field}"`);
  expect(bad.text).toContain('value="&lt;b&gt;Bold&lt;/b&gt;"');
  expect(bad.text).toContain('value="not-an-address"');
  await send({
    submission_key: key,
    email: ['a@example.org', 'b@example.org'],
    name: 'A',
    category: '1',
    subject: 's',
    message: 'm',
    notify: 'no',
  }).expect(400);
  await send({
    submission_key: key,
    email: 'a@example.org',
    name: 'A',
    category: '1',
    subject: 'x'.repeat(201),
    message: 'm',
    notify: 'no',
  }).expect(400);
  expect(await t.db('tickets').where({ category_id: hidden }).first()).toBeUndefined();
  // A category Sam works: fine, and the category's staff but not Sam are told.
  await send({
    submission_key: key,
    email: 'walkin@example.org',
    name: 'Wally <script>',
    category: '1',
    subject: 'Walk-in <img src=x>',
    message: 'At the desk.',
    notify: 'yes',
  }).expect(303);
  const list = await sam.get('/admin/tickets?q=walkin%40example.org').expect(200);
  expect(list.text).toContain('Walk-in &lt;img src=x&gt;');
  expect(list.text).not.toContain('<img src=x>');
});

test('the form has every field of the category, the staff-only ones too, checked like the customer form', async () => {
  const now = t.clock.now();
  const field = (label: string, extra: Record<string, unknown>) => ({
    label,
    type: 'text',
    requirement: 'optional',
    placement: 'after',
    visible_to_customer: true,
    all_categories: true,
    sort_order: 0,
    is_active: true,
    created_at: now,
    updated_at: now,
    ...extra,
  });
  await t.db('custom_fields').insert([
    field('Caller phone', { requirement: 'required' }),
    field('Call quality', {
      requirement: 'staff',
      visible_to_customer: false,
      type: 'select',
      options: JSON.stringify(['Good', 'Bad']),
    }),
  ]);
  const ids = Object.fromEntries(
    (await t.db('custom_fields').select('id', 'label')).map((r: { id: number; label: string }) => [
      r.label,
      `field_${r.id}`,
    ]),
  );
  const admin = await f.staffAgent(adminCredentials);
  const { page, token, key } = await formOf(admin);
  expect(page.text).toContain('Call quality');
  const send = (fields: Record<string, string>) =>
    admin
      .post(`/admin/tickets/new?_csrf=${encodeURIComponent(token)}`)
      .type('form')
      .send({
        _csrf: token,
        submission_key: key,
        email: 'fields@example.org',
        name: 'Field Caller',
        category: '1',
        subject: 'With fields',
        message: 'Hello',
        notify: 'no',
        ...fields,
      });
  const missing = await send({ [ids['Call quality']!]: 'Terrible' }).expect(400);
  expect(missing.text).toContain(`href="#${ids['Caller phone']}"`);
  expect(missing.text).toContain(`href="#${ids['Call quality']}"`);
  const ok = await send({ [ids['Caller phone']!]: '+421 900 000 000', [ids['Call quality']!]: 'Bad' }).expect(303);
  const id = Number(/\/admin\/tickets\/(\d+)/.exec(ok.headers.location!)![1]);
  expect(
    (await t.db('custom_field_values').where({ ticket_id: id }).orderBy('field_id').select('value')).map(
      (r: { value: string }) => r.value,
    ),
  ).toEqual(['+421 900 000 000', 'Bad']);
});
