import request from 'supertest';
import {
  adminCredentials,
  csrfFrom,
  signIn,
  staffCredentials,
  useInstalledApp,
  type InstalledApp,
} from '../helpers/installed-app';
import { openTicket } from '../helpers/portal';
import { contrast, readableOn } from '../../src/catalog/colours';

let t: InstalledApp;
useInstalledApp((app) => (t = app), { freshRateLimits: true });

async function adminAgent(path = '/admin/statuses') {
  const agent = request.agent(t.app);
  expect((await signIn(agent, adminCredentials)).status).toBe(303);
  return { agent, token: csrfFrom((await agent.get(path).expect(200)).text) };
}
const statusForm = { name_en: '', color: '#0f766e', sort_order: '25', counts_as: 'open' };

test('without settings.manage the status and priority pages are forbidden', async () => {
  const sam = request.agent(t.app);
  expect((await signIn(sam, staffCredentials)).status).toBe(303);
  const token = csrfFrom((await sam.get('/admin/canned').expect(200)).text);
  for (const path of ['/admin/statuses', '/admin/priorities', '/admin/statuses/1']) await sam.get(path).expect(403);
  await sam
    .post('/admin/statuses')
    .type('form')
    .send({ _csrf: token, ...statusForm, name_en: 'Nope' })
    .expect(403);
  await sam.post('/admin/priorities/1/delete').type('form').send({ _csrf: token }).expect(403);
  expect(await t.db('statuses').where({ name: 'Nope' }).first()).toBeUndefined();
});

test('a custom status with a colour, per-language names, shown on tickets; in use it cannot be deleted', async () => {
  const { agent, token } = await adminAgent();
  await agent
    .post('/admin/statuses')
    .type('form')
    .send({
      _csrf: token,
      ...statusForm,
      name_en: 'Waiting for <b>parts</b>',
      name_sk: 'Čaká na diely',
      customer_settable: 'yes',
    })
    .expect(303);
  const row = await t.db('statuses').where({ name: 'Waiting for <b>parts</b>' }).first();
  expect(row.key).toBe('waiting_for_b_parts_b');
  expect(row.color).toBe('#0f766e');
  expect(Boolean(row.is_open)).toBe(true);
  expect(Boolean(row.customer_settable)).toBe(true);
  expect(Boolean(row.is_builtin)).toBe(false);
  expect(
    await t
      .db('audit_log')
      .where({ action: 'status.created', target_id: String(row.id) })
      .first(),
  ).toBeDefined();

  const list = (await agent.get('/admin/statuses?lang=en').expect(200)).text;
  expect(list).toContain('Waiting for &lt;b&gt;parts&lt;/b&gt;');
  expect(list).not.toContain('<b>parts');
  expect(list).toContain(`data-status="${row.key}"`);
  const css = await request(t.app).get('/catalog.css').expect(200);
  expect(css.headers['content-type']).toContain('text/css');
  expect(css.text).toContain(`.badge[data-status="${row.key}"]`);
  expect(list).toMatch(/<link rel="stylesheet" href="\/catalog\.css\?v=[0-9a-f]{12}">/);

  // The staff ticket page offers it and shows it in the viewer's language.
  const tracking = await openTicket(t, request.agent(t.app));
  const ticket = await t.db('tickets').where({ tracking_id: tracking }).first('id');
  const page = await agent.get(`/admin/tickets/${ticket.id}?lang=en`).expect(200);
  await agent
    .post(`/admin/tickets/${ticket.id}/properties`)
    .type('form')
    .send({ _csrf: csrfFrom(page.text), status: row.key, priority: 'normal', category: '1' });
  expect(Number((await t.db('tickets').where({ id: ticket.id }).first('status_id')).status_id)).toBe(Number(row.id));
  expect((await agent.get(`/admin/tickets/${ticket.id}?lang=sk`).expect(200)).text).toContain('Čaká na diely</span>');
  expect((await agent.get(`/admin/tickets/${ticket.id}?lang=en`).expect(200)).text).toContain(
    'Waiting for &lt;b&gt;parts&lt;/b&gt;</span>',
  );
  // Open statuses are found by their flag: the dashboard's open queue counts this ticket.
  const dashboard = (await agent.get('/admin?lang=en').expect(200)).text;
  expect(dashboard).toContain(`status=${row.key}`);

  const refused = await agent.post(`/admin/statuses/${row.id}/delete`).type('form').send({ _csrf: token });
  expect(refused.status).toBe(409);
  expect(refused.text).toContain('Tickets still use this entry');
  expect(await t.db('statuses').where({ id: row.id }).first()).toBeDefined();
});

test('built-in statuses can be renamed and recoloured but not deleted, and keep whether they count as open', async () => {
  const { agent, token } = await adminAgent();
  const closed = await t.db('statuses').where({ key: 'closed' }).first();
  await agent
    .post(`/admin/statuses/${closed.id}`)
    .type('form')
    .send({ _csrf: token, ...statusForm, name_en: 'Done', name_hu: 'Kész', color: '#123456', counts_as: 'open' })
    .expect(303);
  const after = await t.db('statuses').where({ id: closed.id }).first();
  expect(after.name).toBe('Done');
  expect(after.color).toBe('#123456');
  expect(Boolean(after.is_open)).toBe(false);
  expect((await agent.get('/admin/statuses?lang=hu').expect(200)).text).toContain('Kész');
  // Slovak has no name of its own: the built-in Slovak text is shown.
  expect((await agent.get('/admin/statuses?lang=sk').expect(200)).text).toContain('Uzavretý');
  expect((await request(t.app).get('/catalog.css').expect(200)).text).toContain('.badge[data-status="closed"]');
  const refused = await agent.post(`/admin/statuses/${closed.id}/delete`).type('form').send({ _csrf: token });
  expect(refused.status).toBe(409);
  expect(await t.db('statuses').where({ id: closed.id }).first()).toBeDefined();
});

test('colour injection, wrong types and missing names are refused', async () => {
  const { agent, token } = await adminAgent();
  for (const color of ['red', '#12345', '#1234567', '#12345g', '#123456;}body{display:none', 'url(x)', '']) {
    const res = await agent
      .post('/admin/statuses')
      .type('form')
      .send({ _csrf: token, ...statusForm, name_en: 'Injected', color });
    expect(res.status).toBe(400);
    expect(res.text).toContain('href="#color"');
  }
  expect(
    (
      await agent
        .post('/admin/statuses')
        .type('form')
        .send(`_csrf=${encodeURIComponent(token)}&name_en=X&color=%23111111&color=%23222222`)
    ).status,
  ).toBe(400);
  expect(
    (
      await agent
        .post('/admin/statuses')
        .type('form')
        .send(`_csrf=${encodeURIComponent(token)}&name_en=X&name_en=Y&color=%23111111`)
    ).status,
  ).toBe(400);
  expect(
    (
      await agent
        .post('/admin/statuses')
        .type('form')
        .send({ _csrf: token, ...statusForm, name_en: '' })
    ).status,
  ).toBe(400);
  expect(
    (
      await agent
        .post('/admin/statuses')
        .type('form')
        .send({ _csrf: token, ...statusForm, name_en: 'Order', sort_order: 'first' })
    ).status,
  ).toBe(400);
  expect(
    (
      await agent
        .post('/admin/statuses')
        .type('form')
        .send({ _csrf: token, ...statusForm, name_en: 'Counts', counts_as: 'maybe' })
    ).status,
  ).toBe(400);
  expect(
    (
      await agent
        .post('/admin/statuses')
        .type('form')
        .send({ ...statusForm, name_en: 'No token' })
    ).status,
  ).toBe(403);
  await agent.get('/admin/statuses/999999').expect(404);
  await agent.post('/admin/statuses/999999/delete').type('form').send({ _csrf: token }).expect(404);
  expect(
    await t.db('statuses').whereIn('name', ['Injected', 'X', 'Order', 'Counts', 'No token']).first(),
  ).toBeUndefined();
  // The stylesheet only ever carries validated colours and keys.
  await t.db('statuses').insert({
    key: 'bad key"]',
    name: 'Bad',
    color: 'red;}*{x:y',
    is_open: true,
    sort_order: 99,
    customer_settable: false,
    is_builtin: false,
  });
  t.services.catalog.invalidate();
  const css = (await request(t.app).get('/catalog.css').expect(200)).text;
  expect(css).not.toContain('bad key');
  expect(css).not.toContain('red;');
  await t.db('statuses').where({ name: 'Bad' }).del();
  t.services.catalog.invalidate();
});

test('priorities: custom ones are created, shown to customers in their language, deleted while unused', async () => {
  const { agent, token } = await adminAgent('/admin/priorities');
  await agent
    .post('/admin/priorities')
    .type('form')
    .send({ _csrf: token, name_en: 'Critical <i>', name_lv: 'Kritiska', color: '#7f1d1d', sort_order: '40' })
    .expect(303);
  const row = await t.db('priorities').where({ name: 'Critical <i>' }).first();
  expect(row.key).toBe('critical_i');
  const list = (await agent.get('/admin/priorities?lang=en').expect(200)).text;
  expect(list).toContain('Critical &lt;i&gt;');
  expect((await agent.get('/admin/priorities?lang=lv').expect(200)).text).toContain('Kritiska');
  await agent.post(`/admin/priorities/${row.id}/delete`).type('form').send({ _csrf: token }).expect(303);
  expect(await t.db('priorities').where({ id: row.id }).first()).toBeUndefined();
  expect(
    await t
      .db('audit_log')
      .where({ action: 'priority.deleted', target_id: String(row.id) })
      .first(),
  ).toBeDefined();
  const normal = await t.db('priorities').where({ key: 'normal' }).first();
  expect((await agent.post(`/admin/priorities/${normal.id}/delete`).type('form').send({ _csrf: token })).status).toBe(
    409,
  );
});

test('any chosen colour is shown in a shade readable on light and dark badges', () => {
  for (const colour of ['#ffff00', '#ffffff', '#000000', '#0f766e', '#ff00ff', '#777777']) {
    expect(contrast(readableOn(colour, '#f7f7f7'), '#f7f7f7')).toBeGreaterThanOrEqual(4.5);
    expect(contrast(readableOn(colour, '#1b2129'), '#1b2129')).toBeGreaterThanOrEqual(4.5);
  }
});

test('customers may set the statuses marked for them, and no other', async () => {
  const { agent, token } = await adminAgent();
  await agent
    .post('/admin/statuses')
    .type('form')
    .send({
      _csrf: token,
      ...statusForm,
      name_en: 'Away until <Monday>',
      name_ru: 'В отъезде',
      customer_settable: 'yes',
    })
    .expect(303);
  const away = await t.db('statuses').where({ name: 'Away until <Monday>' }).first();
  const customer = request.agent(t.app);
  const tracking = await openTicket(t, customer);
  const page = (await customer.get(`/helpdesk/tickets/${tracking}?lang=en`).expect(200)).text;
  expect(page).toContain(`<option value="${away.key}">Away until &lt;Monday&gt;</option>`);
  expect(page).not.toContain('<option value="closed">');
  expect((await customer.get(`/helpdesk/tickets/${tracking}?lang=ru`).expect(200)).text).toContain(
    'В отъезде</option>',
  );
  const csrf = csrfFrom(page);
  const post = (body: string) =>
    customer
      .post(`/helpdesk/tickets/${tracking}/status`)
      .type('form')
      .send(`_csrf=${encodeURIComponent(csrf)}&action=choose&${body}`);
  expect((await post('status=closed')).status).toBe(400);
  expect((await post('status=new')).status).toBe(400);
  expect((await post(`status=${away.key}&status=${away.key}`)).status).toBe(400);
  expect((await post(`status=${away.key}`)).status).toBe(303);
  const ticket = await t.db('tickets').where({ tracking_id: tracking }).first('id', 'status_id');
  expect(Number(ticket.status_id)).toBe(Number(away.id));
  const event = await t
    .db('ticket_events')
    .where({ ticket_id: ticket.id, type: 'ticket.status_changed' })
    .orderBy('id', 'desc')
    .first();
  expect(event.actor_type).toBe('customer');
  expect(JSON.parse(event.data)).toEqual({ from: 'new', to: away.key });
  expect((await customer.get(`/helpdesk/tickets/${tracking}?done=status&lang=en`).expect(200)).text).toContain(
    'The status of your ticket has been changed.',
  );
  // Another customer's ticket cannot be changed through this one's access.
  const other = await openTicket(t, request.agent(t.app), { email: 'someone-else@example.net' });
  expect(
    (
      await customer
        .post(`/helpdesk/tickets/${other}/status`)
        .type('form')
        .send(`_csrf=${encodeURIComponent(csrf)}&action=choose&status=${away.key}`)
    ).status,
  ).not.toBe(303);
});
