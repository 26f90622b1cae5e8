import request from 'supertest';
import { epochToZonedLocal } from '../../src/tickets/zoned-time';
import {
  adminCredentials,
  csrfFrom,
  signedInAgent,
  staffCredentials,
  useInstalledApp,
  type InstalledApp,
} from '../helpers/installed-app';
import { openTicket } from '../helpers/portal';

let t: InstalledApp;
useInstalledApp((app) => (t = app), { freshRateLimits: true });

const staffAgent = (creds: { email: string; password: string }) => signedInAgent(t, creds);

let customers = 0;
/** A new ticket from a new address each time (one address may only have so many open tickets). */
async function newTicket(subject = 'Printer on fire'): Promise<{ id: number; tracking: string }> {
  const tracking = await openTicket(t, request.agent(t.app), { subject, email: `carla${++customers}@example.net` });
  return { id: Number((await t.db('tickets').where({ tracking_id: tracking }).first('id')).id), tracking };
}

const tokenOn = async (agent: request.Agent, id: number) =>
  csrfFrom((await agent.get(`/admin/tickets/${id}`).expect(200)).text);
const eventsOf = (id: number, type: string) =>
  t.db('ticket_events').where({ ticket_id: id, type }).orderBy('id').select('data', 'actor_id');
const dashed = (id: string) => `${id.slice(0, 3)}-${id.slice(3, 6)}-${id.slice(6)}`;

test('custom fields: staff edit every field (staff-only too), checked like the customer form, each change a history line', async () => {
  const { id } = await newTicket();
  const now = t.clock.now();
  const field = (label: string, type: string, extra: Record<string, unknown> = {}) => ({
    label,
    type,
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
  await t
    .db('custom_fields')
    .insert([
      field('Order number', 'text'),
      field('Plan', 'select', { options: JSON.stringify(['Basic', 'Pro']), requirement: 'required', sort_order: 1 }),
      field('Internal rating', 'text', { requirement: 'staff', visible_to_customer: false, sort_order: 2 }),
      field('Topics', 'checkbox', { options: JSON.stringify(['Billing', 'Hardware']), sort_order: 3 }),
    ]);
  const ids = Object.fromEntries(
    (await t.db('custom_fields').select('id', 'label')).map((f: { id: number; label: string }) => [
      f.label,
      `field_${f.id}`,
    ]),
  );
  try {
    const admin = await staffAgent(adminCredentials);
    const page = await admin.get(`/admin/tickets/${id}`).expect(200);
    expect(page.text).toContain('Internal rating');
    expect(page.text).toContain('Only staff see this field.');
    const _csrf = csrfFrom(page.text);
    const post = (fields: Record<string, string | string[]>) =>
      admin
        .post(`/admin/tickets/${id}/fields`)
        .type('form')
        .send({ _csrf, fields_form: '1', ...fields });

    const missing = await post({ [ids['Order number']!]: 'A-17', [ids.Plan!]: '' });
    expect(missing.status).toBe(400);
    expect(missing.text).toContain(`href="#${ids.Plan}"`);
    expect(missing.text).toContain('value="A-17"');
    expect((await post({ [ids.Plan!]: 'Gold' })).status).toBe(400);
    expect((await post({ [ids.Plan!]: 'Pro', [ids['Order number']!]: ['a', 'b'] })).status).toBe(400);
    expect((await post({ [ids.Plan!]: 'Pro', [ids.Topics!]: ['Billing', 'Nope'] })).status).toBe(400);
    expect((await post({ [ids.Plan!]: 'Pro', [ids['Order number']!]: 'x'.repeat(256) })).status).toBe(400);
    expect(await eventsOf(id, 'ticket.field_changed')).toEqual([]);

    await post({
      [ids['Order number']!]: '<b>42</b>',
      [ids.Plan!]: 'Pro',
      [ids['Internal rating']!]: 'VIP',
      [ids.Topics!]: ['Billing', 'Hardware'],
    }).expect(303);
    await post({
      [ids['Order number']!]: '<b>42</b>',
      [ids.Plan!]: 'Basic',
      [ids['Internal rating']!]: 'VIP',
      [ids.Topics!]: 'Billing',
    }).expect(303);
    const changes = (await eventsOf(id, 'ticket.field_changed')).map((e: { data: string }) => JSON.parse(e.data));
    expect(changes).toEqual([
      { field: 'Order number', from: null, to: '<b>42</b>' },
      { field: 'Plan', from: null, to: 'Pro' },
      { field: 'Internal rating', from: null, to: 'VIP' },
      { field: 'Topics', from: null, to: 'Billing, Hardware' },
      { field: 'Plan', from: 'Pro', to: 'Basic' },
      { field: 'Topics', from: 'Billing, Hardware', to: 'Billing' },
    ]);
    const after = await admin.get(`/admin/tickets/${id}`).expect(200);
    expect(after.text).toContain('Plan: Pro → Basic');
    expect(after.text).toContain('Order number: — → &lt;b&gt;42&lt;/b&gt;');
    expect(after.text).not.toContain('<b>42</b>');
    // Emptying an optional field removes its value.
    await post({ [ids.Plan!]: 'Basic', [ids['Internal rating']!]: 'VIP', [ids.Topics!]: 'Billing' }).expect(303);
    expect(await t.db('custom_field_values').where({ ticket_id: id }).count<{ n: number }[]>({ n: '*' })).toEqual([
      { n: 3 },
    ]);
  } finally {
    await t.db('custom_fields').update({ is_active: false });
  }
});

test('due date: read in the help desk time zone, shown in the header, overdue marked, cleared; bad values refused', async () => {
  const { id } = await newTicket();
  await t.services.settings.save({ 'helpdesk.timezone': 'Europe/Bratislava' });
  try {
    const admin = await staffAgent(adminCredentials);
    const page = await admin.get(`/admin/tickets/${id}`).expect(200);
    expect(page.text).toContain('In the help desk&#39;s time zone: Europe/Bratislava.');
    const _csrf = csrfFrom(page.text);
    const post = (due: unknown) => admin.post(`/admin/tickets/${id}/due`).type('form').send({ _csrf, due });

    await post('2030-01-15T09:30').expect(303);
    expect(Number((await t.db('tickets').where({ id }).first('due_at')).due_at)).toBe(Date.UTC(2030, 0, 15, 8, 30));
    const shown = await admin.get(`/admin/tickets/${id}`).expect(200);
    expect(shown.text).toContain('value="2030-01-15T09:30"');
    expect(shown.text).toMatch(
      /class="due"><span class="due__label">Due:<\/span> <time datetime="2030-01-15T08:30:00.000Z">/,
    );

    for (const bad of [
      'tomorrow',
      '2030-02-31T10:00',
      '1999-12-31T23:00',
      '2030-01-15T25:00',
      ['2030-01-15T09:30', 'x'],
      'x'.repeat(5000),
    ]) {
      expect((await post(bad)).status).toBe(400);
    }
    const refused = await post('next week');
    expect(refused.text).toContain('href="#due"');
    expect(refused.text).toContain('value="next week"');

    await post(epochToZonedLocal(t.clock.now() - 2 * 3600_000, 'Europe/Bratislava')).expect(303);
    const late = await admin.get(`/admin/tickets/${id}`).expect(200);
    expect(late.text).toContain('due--overdue');
    expect(late.text).toContain('Overdue:');

    // "Clear due date" is a button of the same form, sent with the date field beside it.
    await admin
      .post(`/admin/tickets/${id}/due`)
      .type('form')
      .send({ _csrf, due: '2030-01-15T09:30', clear: 'yes' })
      .expect(303);
    expect((await t.db('tickets').where({ id }).first('due_at')).due_at).toBeNull();
    await post('').expect(303);
    const changes = (await eventsOf(id, 'ticket.due_changed')).map((e: { data: string }) => JSON.parse(e.data));
    expect(changes).toHaveLength(3);
    expect(changes[0]).toEqual({ from: null, to: Date.UTC(2030, 0, 15, 8, 30) });
    expect(changes[2].to).toBeNull();
    expect((await admin.get(`/admin/tickets/${id}`)).text).toContain('Due date: ');
  } finally {
    await t.services.settings.save({ 'helpdesk.timezone': 'UTC' });
  }
});

test('time spent: minutes with an optional note, total shown; negative, zero, huge, fractional and listed values refused', async () => {
  const { id } = await newTicket();
  const admin = await staffAgent(adminCredentials);
  const _csrf = await tokenOn(admin, id);
  const post = (fields: Record<string, unknown>) =>
    admin
      .post(`/admin/tickets/${id}/time`)
      .type('form')
      .send({ _csrf, ...fields });
  await post({ minutes: '45', note: 'Called <script>alert(1)</script> back' }).expect(303);
  await post({ minutes: '90', note: '' }).expect(303);
  for (const minutes of ['-5', '0', '1441', '99999999999', '1.5', 'abc', '', ['10', '20']]) {
    const res = await post({ minutes });
    expect(res.status).toBe(400);
  }
  const longNote = await post({ minutes: '5', note: 'n'.repeat(501) });
  expect(longNote.status).toBe(400);
  expect(longNote.text).toContain('href="#time_note"');
  expect((await post({ minutes: '5', note: ['a', 'b'] })).status).toBe(400);
  const rows = await t
    .db('ticket_time_entries')
    .where({ ticket_id: id })
    .orderBy('id')
    .select('minutes', 'note', 'staff_name');
  expect(rows).toEqual([
    { minutes: 45, note: 'Called <script>alert(1)</script> back', staff_name: 'Ada Admin' },
    { minutes: 90, note: null, staff_name: 'Ada Admin' },
  ]);
  const page = await admin.get(`/admin/tickets/${id}`).expect(200);
  expect(page.text).toContain('Total: 2 h 15 min');
  expect(page.text).toContain('Called &lt;script&gt;alert(1)&lt;/script&gt; back');
  expect(page.text).not.toContain('<script>alert(1)</script>');
  expect(await eventsOf(id, 'ticket.time_logged')).toHaveLength(2);
});

test('related tickets: linked both ways and unlinked; self links, duplicates and tickets out of reach refused', async () => {
  const a = await newTicket('Router A');
  const b = await newTicket('Router B');
  const admin = await staffAgent(adminCredentials);
  const _csrf = await tokenOn(admin, a.id);
  const link = (from: number, value: unknown) =>
    admin.post(`/admin/tickets/${from}/links`).type('form').send({ _csrf, link: value });

  await link(a.id, dashed(b.tracking).toLowerCase()).expect(303);
  expect((await admin.get(`/admin/tickets/${a.id}`)).text).toContain(
    `href="/admin/tickets/${b.id}"><span class="mono">${dashed(b.tracking)}</span> Router B`,
  );
  expect((await admin.get(`/admin/tickets/${b.id}`)).text).toContain(
    `href="/admin/tickets/${a.id}"><span class="mono">${dashed(a.tracking)}</span> Router A`,
  );
  expect((await link(b.id, a.tracking)).text).toContain('These tickets are already linked.');
  expect((await link(a.id, a.tracking)).text).toContain('A ticket cannot be linked to itself.');
  expect((await link(a.id, 'nonsense')).status).toBe(400);
  expect((await link(a.id, ['x', 'y'])).status).toBe(400);
  expect(await t.db('ticket_links').count<{ n: number }[]>({ n: '*' })).toEqual([{ n: 1 }]);
  expect((await eventsOf(a.id, 'ticket.linked')).map((e: { data: string }) => JSON.parse(e.data))).toEqual([
    { other: b.tracking },
  ]);
  expect((await eventsOf(b.id, 'ticket.linked')).map((e: { data: string }) => JSON.parse(e.data))).toEqual([
    { other: a.tracking },
  ]);

  // Sam works category 1 only: a ticket in another category is "not found" for him.
  const now = t.clock.now();
  await t.db('categories').insert({
    name: 'Hidden line',
    tier: 2,
    is_public: false,
    sort_order: 5,
    is_active: true,
    created_at: now,
    updated_at: now,
  });
  const hiddenCat = (await t.db('categories').where({ name: 'Hidden line' }).first('id')).id;
  const c = await newTicket('Secret C');
  await t.db('tickets').where({ id: c.id }).update({ category_id: hiddenCat });
  await admin.post(`/admin/tickets/${a.id}/links`).type('form').send({ _csrf, link: c.tracking }).expect(303);
  const sid = (await t.db('staff_users').where({ email: staffCredentials.email }).first('id')).id;
  await t.db('staff_categories').insert({ staff_id: sid, category_id: 1 });
  try {
    const sam = await staffAgent(staffCredentials);
    const samToken = await tokenOn(sam, a.id);
    const samPage = await sam.get(`/admin/tickets/${a.id}`).expect(200);
    expect(samPage.text).toContain('Router B');
    expect(samPage.text).not.toContain('Secret C');
    const refused = await sam
      .post(`/admin/tickets/${b.id}/links`)
      .type('form')
      .send({ _csrf: samToken, link: c.tracking });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('There is no ticket with this tracking ID that you can work on.');
    await sam.post(`/admin/tickets/${a.id}/links/${c.id}/delete`).type('form').send({ _csrf: samToken }).expect(404);
  } finally {
    await t.db('staff_categories').where({ staff_id: sid }).del();
  }

  await admin.post(`/admin/tickets/${b.id}/links/${a.id}/delete`).type('form').send({ _csrf }).expect(303);
  expect((await admin.get(`/admin/tickets/${a.id}`)).text).not.toContain(`/links/${b.id}/delete`);
  expect(await eventsOf(a.id, 'ticket.unlinked')).toHaveLength(1);
  expect(await eventsOf(b.id, 'ticket.unlinked')).toHaveLength(1);
});

test('print view: facts and thread, internal notes optional, no navigation, a print stylesheet', async () => {
  const { id, tracking } = await newTicket('Print <me>');
  const admin = await staffAgent(adminCredentials);
  const _csrf = await tokenOn(admin, id);
  await admin
    .post(`/admin/tickets/${id}/note`)
    .type('form')
    .send({ _csrf, message: 'Internal: customer is <em>VIP</em>' })
    .expect(303);
  const full = await admin.get(`/admin/tickets/${id}/print`).expect(200);
  expect(full.text).toContain('Print &lt;me&gt;');
  expect(full.text).toContain(dashed(tracking));
  expect(full.text).toContain('It started smoking after the update.');
  expect(full.text).toContain('Internal: customer is &lt;em&gt;VIP&lt;/em&gt;');
  expect(full.text).not.toContain('class="topbar"');
  expect(full.text).not.toContain('<form');
  const clean = await admin.get(`/admin/tickets/${id}/print?notes=no`).expect(200);
  expect(clean.text).not.toContain('Internal: customer');
  expect(clean.text).toContain('Internal notes are left out of this printout.');
  const css = await admin.get(/href="(\/static\/css\/tessera\.css[^"]*)"/.exec(full.text)![1]!).expect(200);
  expect(css.text).toContain('@media print');
});

test('the history names people and categories instead of ids, for every kind of change', async () => {
  const { id } = await newTicket();
  const admin = await staffAgent(adminCredentials);
  const _csrf = await tokenOn(admin, id);
  const now = t.clock.now();
  await t.db('categories').insert({
    name: 'Billing desk',
    tier: 1,
    is_public: true,
    sort_order: 6,
    is_active: true,
    created_at: now,
    updated_at: now,
  });
  const billing = (await t.db('categories').where({ name: 'Billing desk' }).first('id')).id;
  const adaId = (await t.db('staff_users').where({ email: adminCredentials.email }).first('id')).id;
  const firstCategory = (await t.db('categories').where({ id: 1 }).first('name')).name;
  await admin
    .post(`/admin/tickets/${id}/properties`)
    .type('form')
    .send({ _csrf, owner: String(adaId), status: 'on_hold', priority: 'urgent', category: String(billing) })
    .expect(303);
  const page = (await admin.get(`/admin/tickets/${id}`).expect(200)).text;
  expect(page).toContain('Owner: Unassigned → Ada Admin');
  expect(page).toContain(`Category: ${firstCategory} → Billing desk`);
  expect(page).toContain('Status: New → On hold');
  expect(page).toContain('Priority: Normal → Urgent');
  expect(page).toContain('(Carla Customer)');
});

test('every new route answers 404 for a ticket out of reach, and refuses a change without the CSRF token', async () => {
  const { id } = await newTicket();
  const sam = await staffAgent(staffCredentials);
  const samToken = csrfFrom((await sam.get('/admin/tickets').expect(200)).text);
  const gets = ['print', 'print?notes=no', 'presence'];
  const posts: Array<[string, Record<string, string>]> = [
    ['fields', { fields_form: '1' }],
    ['due', { due: '' }],
    ['time', { minutes: '5' }],
    ['links', { link: 'ABC-DEF-2345' }],
    [`links/${id}/delete`, {}],
    ['draft', { message: 'x' }],
    ['presence', { state: 'viewing' }],
  ];
  for (const path of gets) await sam.get(`/admin/tickets/${id}/${path}`).expect(404);
  for (const [path, body] of posts)
    await sam
      .post(`/admin/tickets/${id}/${path}`)
      .type('form')
      .send({ _csrf: samToken, ...body })
      .expect(404);
  await sam.get('/admin/tickets/999999/print').expect(404);
  await sam.post('/admin/tickets/abc/time').type('form').send({ _csrf: samToken, minutes: '5' }).expect(404);

  const admin = await staffAgent(adminCredentials);
  await admin.get(`/admin/tickets/${id}`).expect(200);
  for (const [path, body] of posts)
    await admin.post(`/admin/tickets/${id}/${path}`).type('form').send(body).expect(403);

  // A view-only role reads, prints and is seen on the ticket, but changes nothing.
  const now = t.clock.now();
  await t
    .db('roles')
    .insert({ name: 'Read only', capabilities: JSON.stringify(['tickets.view']), created_at: now, updated_at: now });
  const role = (await t.db('roles').where({ name: 'Read only' }).first('id')).id;
  const sid = (await t.db('staff_users').where({ email: staffCredentials.email }).first('id')).id;
  await t.db('staff_users').where({ id: sid }).update({ role_id: role });
  await t.db('staff_categories').insert({ staff_id: sid, category_id: 1 });
  try {
    const viewer = await staffAgent(staffCredentials);
    const token = await tokenOn(viewer, id);
    const viewerPage = (await viewer.get(`/admin/tickets/${id}`)).text;
    for (const path of ['due', 'time', 'links', 'fields'])
      expect(viewerPage).not.toContain(`action="/admin/tickets/${id}/${path}"`);
    await viewer.get(`/admin/tickets/${id}/print`).expect(200);
    await viewer
      .post(`/admin/tickets/${id}/presence`)
      .type('form')
      .send({ _csrf: token, state: 'viewing' })
      .expect(200);
    for (const [path, body] of posts.filter(([p]) => p !== 'presence'))
      await viewer
        .post(`/admin/tickets/${id}/${path}`)
        .type('form')
        .send({ _csrf: token, ...body })
        .expect(403);
  } finally {
    await t.db('staff_categories').where({ staff_id: sid }).del();
    await t.db('staff_users').where({ id: sid }).update({ role_id: null });
  }
  expect(await t.db('ticket_time_entries').where({ ticket_id: id }).first()).toBeUndefined();
  expect(await t.db('reply_drafts').where({ ticket_id: id }).first()).toBeUndefined();
});

test('merging moves time entries and related-ticket links to the surviving ticket', async () => {
  const source = await newTicket('Merge source');
  const target = await newTicket('Merge target');
  const other = await newTicket('Merge other');
  const admin = await staffAgent(adminCredentials);
  const _csrf = await tokenOn(admin, source.id);
  await admin.post(`/admin/tickets/${source.id}/time`).type('form').send({ _csrf, minutes: '30' }).expect(303);
  await admin.post(`/admin/tickets/${target.id}/time`).type('form').send({ _csrf, minutes: '15' }).expect(303);
  await admin.post(`/admin/tickets/${source.id}/links`).type('form').send({ _csrf, link: other.tracking }).expect(303);
  await admin.post(`/admin/tickets/${source.id}/links`).type('form').send({ _csrf, link: target.tracking }).expect(303);
  await admin.post(`/admin/tickets/${target.id}/links`).type('form').send({ _csrf, link: other.tracking }).expect(303);
  await admin
    .post(`/admin/tickets/${source.id}/merge`)
    .type('form')
    .send({ _csrf, target: target.tracking, confirm: 'yes' })
    .expect(303);
  const page = (await admin.get(`/admin/tickets/${target.id}`).expect(200)).text;
  expect(page).toContain('Total: 45 min');
  const links = await t
    .db('ticket_links')
    .whereIn('low_ticket_id', [source.id, target.id, other.id])
    .select('low_ticket_id', 'high_ticket_id');
  expect(links).toEqual([
    { low_ticket_id: Math.min(target.id, other.id), high_ticket_id: Math.max(target.id, other.id) },
  ]);
});
