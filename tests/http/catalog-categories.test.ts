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
  return { agent, token: csrfFrom((await agent.get('/admin/categories/new').expect(200)).text) };
}

const base = {
  name_en: '',
  visibility: 'public',
  tier: '1',
  default_priority: '',
  escalate_to: '',
  due_hours: '',
  auto_assign: 'none',
  sort_order: '10',
};
const idOf = async (name: string): Promise<number> => Number((await t.db('categories').where({ name }).first('id')).id);

test('without settings.manage the category pages are forbidden', async () => {
  const sam = request.agent(t.app);
  expect((await signIn(sam, staffCredentials)).status).toBe(303);
  await sam.get('/admin/categories').expect(403);
  await sam.get('/admin/categories/new').expect(403);
  const token = csrfFrom((await sam.get('/admin/canned').expect(200)).text);
  await sam
    .post('/admin/categories')
    .type('form')
    .send({ _csrf: token, ...base, name_en: 'Sneaky' })
    .expect(403);
  expect(await t.db('categories').where({ name: 'Sneaky' }).first()).toBeUndefined();
  expect((await sam.get('/admin/manage').expect(200)).text).not.toContain('/admin/categories');
});

test("a category with a name per language, tier, staff and due time; shown in the viewer's language, HTML inert", async () => {
  const { agent, token } = await adminAgent();
  const sam = await t.db('staff_users').where({ email: staffCredentials.email }).first('id');
  await agent
    .post('/admin/categories')
    .type('form')
    .send({
      ...base,
      name_en: 'Billing <script>x</script>',
      name_sk: 'Fakturácia <b>',
      tier: '2',
      due_hours: '24',
      staff: String(sam.id),
    })
    .expect(403); // no CSRF token
  await agent
    .post('/admin/categories')
    .type('form')
    .send({
      _csrf: token,
      ...base,
      name_en: 'Billing <script>x</script>',
      name_sk: 'Fakturácia <b>',
      description: 'Invoices',
      tier: '2',
      due_hours: '24',
      staff: String(sam.id),
    })
    .expect(303);
  const id = await idOf('Billing <script>x</script>');
  const row = await t.db('categories').where({ id }).first();
  expect(Number(row.tier)).toBe(2);
  expect(Number(row.due_hours)).toBe(24);
  expect(JSON.parse(row.names)).toEqual({ en: 'Billing <script>x</script>', sk: 'Fakturácia <b>' });
  expect((await t.db('staff_categories').where({ category_id: id }).pluck('staff_id')).map(Number)).toEqual([
    Number(sam.id),
  ]);
  const audit = await t
    .db('audit_log')
    .where({ action: 'category.created', target_id: String(id) })
    .first();
  expect(audit.staff_name).toBe(adminCredentials.name);

  const list = (await agent.get('/admin/categories').expect(200)).text;
  expect(list).toContain('Billing &lt;script&gt;x&lt;/script&gt;');
  expect(list).not.toContain('<script>x');
  expect((await agent.get('/admin/categories?lang=sk').expect(200)).text).toContain('Fakturácia &lt;b&gt;');

  const customer = request.agent(t.app);
  expect((await customer.get('/helpdesk/tickets/new?lang=sk').expect(200)).text).toContain(
    'Fakturácia &lt;b&gt;</option>',
  );
  const english = (await customer.get('/helpdesk/tickets/new?lang=en').expect(200)).text;
  expect(english).toContain('Billing &lt;script&gt;x&lt;/script&gt;</option>');
  expect(english).not.toContain('<script>x');
  // No Hungarian name: the default language's name is shown.
  expect((await customer.get('/helpdesk/tickets/new?lang=hu').expect(200)).text).toContain(
    'Billing &lt;script&gt;x&lt;/script&gt;</option>',
  );

  // A new ticket in it is due after 24 hours, and the staff ticket page shows the name escaped.
  const before = t.clock.now();
  const tracking = await openTicket(t, customer, { category: String(id) });
  const ticket = await t.db('tickets').where({ tracking_id: tracking }).first('id', 'due_at', 'created_at', 'tier');
  expect(Number(ticket.due_at)).toBe(Number(ticket.created_at) + 24 * 3600_000);
  expect(Number(ticket.created_at)).toBeGreaterThanOrEqual(before);
  expect(Number(ticket.tier)).toBe(2);
  expect(await t.db('ticket_events').where({ ticket_id: ticket.id, type: 'ticket.due_changed' }).first()).toBeDefined();
  // The mail to the category's staff carries the name as text, never as markup.
  const mail = await t
    .db('mail_outbox')
    .where({ ticket_id: ticket.id, template: 'staff_new_ticket' })
    .first('body_html', 'body_text', 'subject');
  expect(mail.body_html).toContain('Billing &lt;script&gt;x&lt;/script&gt;');
  expect(mail.body_html).not.toContain('<script>');
  const staffPage = (await agent.get(`/admin/tickets/${ticket.id}?lang=en`).expect(200)).text;
  expect(staffPage).toContain('Billing &lt;script&gt;x&lt;/script&gt;');
  expect(staffPage).not.toContain('<script>x');
  expect((await agent.get(`/admin/tickets/${ticket.id}?lang=sk`).expect(200)).text).toContain('Fakturácia &lt;b&gt;');
  expect((await customer.get(`/helpdesk/tickets/${tracking}?lang=sk`).expect(200)).text).toContain(
    'Fakturácia &lt;b&gt;',
  );
});

test('bad input is refused with the errors beside the fields, not a crash', async () => {
  const { agent, token } = await adminAgent();
  const missing = await agent
    .post('/admin/categories')
    .type('form')
    .send({ _csrf: token, ...base, name_en: '' });
  expect(missing.status).toBe(400);
  expect(missing.text).toContain('href="#name_en"');
  const wrongTier = await agent
    .post('/admin/categories')
    .type('form')
    .send({ _csrf: token, ...base, name_en: 'Tier seven', tier: '7' });
  expect(wrongTier.status).toBe(400);
  expect(wrongTier.text).toContain('href="#tier"');
  expect(wrongTier.text).toContain('value="Tier seven"');
  const array = await agent
    .post('/admin/categories')
    .type('form')
    .send(`_csrf=${encodeURIComponent(token)}&name_en=a&name_en=b&visibility=public&tier=1`);
  expect(array.status).toBe(400);
  const visibilityArray = await agent
    .post('/admin/categories')
    .type('form')
    .send(`_csrf=${encodeURIComponent(token)}&name_en=x&visibility=public&visibility=staff&tier=1`);
  expect(visibilityArray.status).toBe(400);
  const due = await agent
    .post('/admin/categories')
    .type('form')
    .send({ _csrf: token, ...base, name_en: 'Due', due_hours: '99999' });
  expect(due.status).toBe(400);
  expect(due.text).toContain('href="#due_hours"');
  const huge = await agent
    .post('/admin/categories')
    .type('form')
    .send({ _csrf: token, ...base, name_en: 'x'.repeat(5000) });
  expect(huge.status).toBe(400);
  const badStaff = await agent
    .post('/admin/categories')
    .type('form')
    .send({ _csrf: token, ...base, name_en: 'Staff', staff: '999999' });
  expect(badStaff.status).toBe(400);
  const badPriority = await agent
    .post('/admin/categories')
    .type('form')
    .send({ _csrf: token, ...base, name_en: 'Prio', default_priority: '999999' });
  expect(badPriority.status).toBe(400);
  const control = await agent
    .post('/admin/categories')
    .type('form')
    .send({ _csrf: token, ...base, name_en: 'Line\nbreak' });
  expect(control.status).toBe(400);
  await agent.get('/admin/categories/999999').expect(404);
  await agent.get('/admin/categories/abc').expect(404);
  await agent
    .post('/admin/categories/999999')
    .type('form')
    .send({ _csrf: token, ...base, name_en: 'Ghost' })
    .expect(404);
  await agent.post('/admin/categories/999999/archive').type('form').send({ _csrf: token }).expect(404);
  for (const name of ['Tier seven', 'Due', 'Staff', 'Prio', 'Ghost'])
    expect(await t.db('categories').where({ name }).first()).toBeUndefined();
});

test('escalation targets: itself and circles are refused', async () => {
  const { agent, token } = await adminAgent();
  await agent
    .post('/admin/categories')
    .type('form')
    .send({ _csrf: token, ...base, name_en: 'Level A' })
    .expect(303);
  const a = await idOf('Level A');
  await agent
    .post('/admin/categories')
    .type('form')
    .send({ _csrf: token, ...base, name_en: 'Level B', tier: '2', escalate_to: String(a) })
    .expect(303);
  const b = await idOf('Level B');
  await agent
    .post('/admin/categories')
    .type('form')
    .send({ _csrf: token, ...base, name_en: 'Level C', tier: '3', escalate_to: String(b) })
    .expect(303);
  const c = await idOf('Level C');
  const self = await agent
    .post(`/admin/categories/${a}`)
    .type('form')
    .send({ _csrf: token, ...base, name_en: 'Level A', escalate_to: String(a) });
  expect(self.status).toBe(400);
  const circle = await agent
    .post(`/admin/categories/${a}`)
    .type('form')
    .send({ _csrf: token, ...base, name_en: 'Level A', escalate_to: String(c) });
  expect(circle.status).toBe(400);
  expect(circle.text).toContain('escalate in a circle');
  expect((await t.db('categories').where({ id: a }).first('escalate_to_id')).escalate_to_id).toBeNull();
  // The edit form does not offer the category itself as a target.
  const form = (await agent.get(`/admin/categories/${a}`).expect(200)).text;
  const targets = /<select[^>]*name="escalate_to"[\s\S]*?<\/select>/.exec(form)![0];
  expect(targets).not.toContain(`<option value="${a}"`);
  expect(targets).toContain(`<option value="${b}"`);
});

test('staff-only and archived categories are not offered on the ticket form; existing tickets keep theirs', async () => {
  const { agent, token } = await adminAgent();
  await agent
    .post('/admin/categories')
    .type('form')
    .send({ _csrf: token, ...base, name_en: 'Internal only', visibility: 'staff' })
    .expect(303);
  await agent
    .post('/admin/categories')
    .type('form')
    .send({ _csrf: token, ...base, name_en: 'Old products' })
    .expect(303);
  const internal = await idOf('Internal only');
  const old = await idOf('Old products');
  const customer = request.agent(t.app);
  const tracking = await openTicket(t, customer, { category: String(old) });
  await agent.post(`/admin/categories/${old}/archive`).type('form').send({ _csrf: token }).expect(303);
  expect(
    await t
      .db('audit_log')
      .where({ action: 'category.archived', target_id: String(old) })
      .first(),
  ).toBeDefined();

  const form = (await customer.get('/helpdesk/tickets/new').expect(200)).text;
  expect(form).not.toContain('Internal only');
  expect(form).not.toContain('Old products');
  expect((await submitForm(t, customer, { ...validTicket, category: String(internal) })).status).toBe(400);
  expect((await submitForm(t, customer, { ...validTicket, category: String(old) })).status).toBe(400);

  const ticket = await t.db('tickets').where({ tracking_id: tracking }).first('id', 'category_id');
  expect(Number(ticket.category_id)).toBe(old);
  expect((await customer.get(`/helpdesk/tickets/${tracking}`).expect(200)).text).toContain('Old products');
  expect((await agent.get(`/admin/tickets/${ticket.id}?lang=en`).expect(200)).text).toContain('Old products');
  const list = (await agent.get('/admin/categories').expect(200)).text;
  expect(list).toMatch(/Old products[\s\S]*Archived/);

  await agent.post(`/admin/categories/${old}/restore`).type('form').send({ _csrf: token }).expect(303);
  expect((await customer.get('/helpdesk/tickets/new').expect(200)).text).toContain('Old products');
});
