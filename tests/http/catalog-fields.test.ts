import request from 'supertest';
import {
  adminCredentials,
  csrfFrom,
  signIn,
  staffCredentials,
  useInstalledApp,
  type InstalledApp,
} from '../helpers/installed-app';
import { openTicket, submitForm, validTicket } from '../helpers/portal';

let t: InstalledApp;
useInstalledApp((app) => (t = app), { freshRateLimits: true });

async function adminAgent() {
  const agent = request.agent(t.app);
  expect((await signIn(agent, adminCredentials)).status).toBe(303);
  return { agent, token: csrfFrom((await agent.get('/admin/fields/new').expect(200)).text) };
}
const fieldForm = {
  label_en: '',
  type: 'text',
  options: '',
  requirement: 'optional',
  placement: 'after',
  visible: 'yes',
  scope: 'all',
  sort_order: '10',
};
const fieldId = async (label: string) => Number((await t.db('custom_fields').where({ label }).first('id')).id);

test('without settings.manage the field pages are forbidden', async () => {
  const sam = request.agent(t.app);
  expect((await signIn(sam, staffCredentials)).status).toBe(303);
  const token = csrfFrom((await sam.get('/admin/canned').expect(200)).text);
  await sam.get('/admin/fields').expect(403);
  await sam.get('/admin/fields/new').expect(403);
  await sam
    .post('/admin/fields')
    .type('form')
    .send({ _csrf: token, ...fieldForm, label_en: 'Nope' })
    .expect(403);
  expect(await t.db('custom_fields').where({ label: 'Nope' }).first()).toBeUndefined();
});

test('a required field with labels and hints per language on the customer form, escaped; its value on the ticket', async () => {
  const { agent, token } = await adminAgent();
  await agent
    .post('/admin/fields')
    .type('form')
    .send({
      _csrf: token,
      ...fieldForm,
      label_en: 'Order <b>number</b>',
      label_sk: 'Číslo objednávky',
      hint_en: 'On your <i>invoice</i>',
      hint_sk: 'Na faktúre',
      requirement: 'required',
      placement: 'before',
    })
    .expect(303);
  const id = await fieldId('Order <b>number</b>');
  const row = await t.db('custom_fields').where({ id }).first();
  expect(row.requirement).toBe('required');
  expect(row.placement).toBe('before');
  expect(JSON.parse(row.labels)).toEqual({ en: 'Order <b>number</b>', sk: 'Číslo objednávky' });
  expect(
    await t
      .db('audit_log')
      .where({ action: 'field.created', target_id: String(id) })
      .first(),
  ).toBeDefined();
  expect((await agent.get('/admin/fields?lang=en').expect(200)).text).toContain('Order &lt;b&gt;number&lt;/b&gt;');

  const customer = request.agent(t.app);
  const english = (await customer.get('/helpdesk/tickets/new?lang=en').expect(200)).text;
  expect(english).toContain('Order &lt;b&gt;number&lt;/b&gt;</label>');
  expect(english).toContain('On your &lt;i&gt;invoice&lt;/i&gt;');
  expect(english).not.toContain('<b>number');
  // Before the message: the field comes before the message box.
  expect(english.indexOf(`name="field_${id}"`)).toBeLessThan(english.indexOf('name="message"'));
  const slovak = (await customer.get('/helpdesk/tickets/new?lang=sk').expect(200)).text;
  expect(slovak).toContain('Číslo objednávky</label>');
  expect(slovak).toContain('Na faktúre');
  // Hungarian has none: the default language's label.
  expect((await customer.get('/helpdesk/tickets/new?lang=hu').expect(200)).text).toContain(
    'Order &lt;b&gt;number&lt;/b&gt;</label>',
  );

  const missing = await submitForm(t, customer, { ...validTicket });
  expect(missing.status).toBe(400);
  expect(missing.text).toContain(`href="#field_${id}"`);
  const tracking = await openTicket(t, customer, { [`field_${id}`]: 'A-<script>1</script>' });
  const ticket = await t.db('tickets').where({ tracking_id: tracking }).first('id');
  const staffPage = (await agent.get(`/admin/tickets/${ticket.id}?lang=en`).expect(200)).text;
  expect(staffPage).toContain('Order &lt;b&gt;number&lt;/b&gt;');
  expect(staffPage).toContain('A-&lt;script&gt;1&lt;/script&gt;');
  expect(staffPage).not.toContain('<script>1');
});

test('a removed field leaves the form; tickets keep its value under its old label', async () => {
  const { agent, token } = await adminAgent();
  await agent
    .post('/admin/fields')
    .type('form')
    .send({ _csrf: token, ...fieldForm, label_en: 'Device', type: 'select', options: 'Phone\nLaptop\n\nPhone' })
    .expect(303);
  const id = await fieldId('Device');
  expect(JSON.parse((await t.db('custom_fields').where({ id }).first('options')).options)).toEqual(['Phone', 'Laptop']);
  await t.db('custom_fields').whereNot({ id }).update({ is_active: false });
  t.services.catalog.invalidate();
  const customer = request.agent(t.app);
  const tracking = await openTicket(t, customer, { [`field_${id}`]: 'Laptop' });
  const ticket = await t.db('tickets').where({ tracking_id: tracking }).first('id');

  await agent.post(`/admin/fields/${id}/remove`).type('form').send({ _csrf: token }).expect(303);
  expect(
    await t
      .db('audit_log')
      .where({ action: 'field.removed', target_id: String(id) })
      .first(),
  ).toBeDefined();
  expect((await customer.get('/helpdesk/tickets/new?lang=en').expect(200)).text).not.toContain(`field_${id}`);
  expect((await agent.get(`/admin/tickets/${ticket.id}?lang=en`).expect(200)).text).toMatch(
    /<dt>Device<\/dt><dd>Laptop<\/dd>/,
  );
  expect((await customer.get(`/helpdesk/tickets/${tracking}?lang=en`).expect(200)).text).toMatch(
    /<dt>Device<\/dt><dd>Laptop<\/dd>/,
  );
  expect((await agent.get('/admin/fields?lang=en').expect(200)).text).toMatch(/Device[\s\S]*Removed/);

  await agent.post(`/admin/fields/${id}/restore`).type('form').send({ _csrf: token }).expect(303);
  expect((await customer.get('/helpdesk/tickets/new?lang=en').expect(200)).text).toContain(`field_${id}`);
});

test('fields for some categories only, staff-only fields and hidden answers', async () => {
  const { agent, token } = await adminAgent();
  await t.db('custom_fields').update({ is_active: false });
  await agent
    .post('/admin/fields')
    .type('form')
    .send({ _csrf: token, ...fieldForm, label_en: 'Only general', scope: 'some', categories: '1' })
    .expect(303);
  await agent
    .post('/admin/fields')
    .type('form')
    .send({ _csrf: token, ...fieldForm, label_en: 'Internal ref', requirement: 'staff' })
    .expect(303);
  await agent
    .post('/admin/fields')
    .type('form')
    .send({ _csrf: token, ...fieldForm, label_en: 'Serial (hidden)', visible: '' })
    .expect(303);
  const general = await fieldId('Only general');
  expect((await t.db('custom_field_categories').where({ field_id: general }).pluck('category_id')).map(Number)).toEqual(
    [1],
  );
  const form = (await request.agent(t.app).get('/helpdesk/tickets/new?lang=en').expect(200)).text;
  expect(form).toContain('data-field-categories="1"');
  expect(form).not.toContain('Internal ref');
  expect(form).not.toContain('Serial (hidden)');
  const noCategory = await agent
    .post('/admin/fields')
    .type('form')
    .send({ _csrf: token, ...fieldForm, label_en: 'No cats', scope: 'some' });
  expect(noCategory.status).toBe(400);
  expect(noCategory.text).toContain('href="#categories"');
});

test('bad input: wrong types, unknown categories, options missing, huge values, unknown ids', async () => {
  const { agent, token } = await adminAgent();
  const send = (body: Record<string, unknown> | string) => agent.post('/admin/fields').type('form').send(body);
  expect((await send({ _csrf: token, ...fieldForm, label_en: '' })).status).toBe(400);
  expect((await send({ _csrf: token, ...fieldForm, label_en: 'Kind', type: 'script' })).status).toBe(400);
  const noOptions = await send({ _csrf: token, ...fieldForm, label_en: 'Choice', type: 'radio', options: '  \n ' });
  expect(noOptions.status).toBe(400);
  expect(noOptions.text).toContain('href="#options"');
  expect(
    (
      await send({
        _csrf: token,
        ...fieldForm,
        label_en: 'Many',
        type: 'select',
        options: Array.from({ length: 51 }, (_, i) => `o${i}`).join('\n'),
      })
    ).status,
  ).toBe(400);
  expect(
    (await send({ _csrf: token, ...fieldForm, label_en: 'Cats', scope: 'some', categories: '999999' })).status,
  ).toBe(400);
  expect(
    (
      await send(
        `_csrf=${encodeURIComponent(token)}&label_en=A&label_en=B&type=text&requirement=optional&placement=after&scope=all`,
      )
    ).status,
  ).toBe(400);
  expect(
    (
      await send(
        `_csrf=${encodeURIComponent(token)}&label_en=A&type=text&requirement=optional&requirement=required&placement=after&scope=all`,
      )
    ).status,
  ).toBe(400);
  expect((await send({ _csrf: token, ...fieldForm, label_en: 'y'.repeat(500) })).status).toBe(400);
  expect((await send({ ...fieldForm, label_en: 'No token' })).status).toBe(403);
  await agent.get('/admin/fields/999999').expect(404);
  await agent.post('/admin/fields/999999/remove').type('form').send({ _csrf: token }).expect(404);
  expect(
    await t.db('custom_fields').whereIn('label', ['Kind', 'Choice', 'Many', 'Cats', 'A', 'No token']).first(),
  ).toBeUndefined();
  // The type of an existing field stays what it was.
  await send({ _csrf: token, ...fieldForm, label_en: 'Fixed type' }).expect(303);
  const id = await fieldId('Fixed type');
  await agent
    .post(`/admin/fields/${id}`)
    .type('form')
    .send({ _csrf: token, ...fieldForm, label_en: 'Fixed type', type: 'date' })
    .expect(303);
  expect((await t.db('custom_fields').where({ id }).first('type')).type).toBe('text');
});
