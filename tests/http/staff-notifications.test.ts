import request from 'supertest';
import { hashPassword } from '../../src/staff/password';
import { insertStaff } from '../../src/staff/staff.repo';
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

let samId = 0;
let adaId = 0;
let deeId = 0;
const dee = { name: 'Dee Departed', email: 'dee@example.com', password: 'a former colleague passphrase' };

beforeAll(async () => {
  samId = Number((await t.db('staff_users').where({ email: staffCredentials.email }).first('id')).id);
  adaId = Number((await t.db('staff_users').where({ email: adminCredentials.email }).first('id')).id);
  deeId = await insertStaff(
    t.db,
    { ...dee, passwordHash: await hashPassword(dee.password), isAdmin: false, language: 'en' },
    t.clock.now(),
  );
  await t.db('staff_users').where({ id: deeId }).update({ is_active: false });
  await t.db('staff_categories').insert([
    { staff_id: samId, category_id: 1 },
    { staff_id: deeId, category_id: 1 },
  ]);
});
beforeEach(async () => {
  await t.db('mail_outbox').del();
  const on = {
    notify_assigned: true,
    notify_customer_reply: true,
    notify_escalated: true,
    notify_new_ticket: true,
    is_away: false,
  };
  await t.db('staff_users').update(on);
});

const mails = (template: string) =>
  t.db('mail_outbox').where({ template }).orderBy('to_address').select('to_address', 'subject', 'body_text');
const recipients = async (template: string) => (await mails(template)).map((m: { to_address: string }) => m.to_address);
const setSwitch = (id: number, values: Record<string, boolean>) => t.db('staff_users').where({ id }).update(values);

async function newTicket(fields: Record<string, string> = {}) {
  const customer = request.agent(t.app);
  const tracking = await openTicket(t, customer, fields);
  const id = Number((await t.db('tickets').where({ tracking_id: tracking }).first('id')).id);
  return { customer, tracking, id };
}
async function staffAgent(creds: { email: string; password: string }) {
  const agent = request.agent(t.app);
  expect((await signIn(agent, creds)).status).toBe(303);
  return agent;
}

test('a new ticket is mailed to the staff of its category who want it: not to the away, the switched off or the deactivated', async () => {
  await newTicket();
  expect(await recipients('staff_new_ticket')).toEqual([adminCredentials.email, staffCredentials.email]);

  await t.db('mail_outbox').del();
  await setSwitch(samId, { notify_new_ticket: false });
  await setSwitch(adaId, { is_away: true });
  await newTicket();
  expect(await recipients('staff_new_ticket')).toEqual([]);

  // Nor to someone whose role may not see tickets (their category access alone is not enough).
  await t.db('mail_outbox').del();
  await t.db('staff_users').update({ notify_new_ticket: true, is_away: false });
  const now = t.clock.now();
  await t.db('roles').insert({
    name: 'Knowledge base only',
    capabilities: JSON.stringify(['kb.manage']),
    created_at: now,
    updated_at: now,
  });
  const role = Number((await t.db('roles').where({ name: 'Knowledge base only' }).first('id')).id);
  await t.db('staff_users').where({ id: samId }).update({ role_id: role });
  try {
    await newTicket();
    expect(await recipients('staff_new_ticket')).toEqual([adminCredentials.email]);
  } finally {
    await t.db('staff_users').where({ id: samId }).update({ role_id: null });
  }
});

test('assigned to you: mailed in your language when someone else assigns, never for taking it yourself, and only with the switch on', async () => {
  await t.db('staff_users').where({ id: samId }).update({ language: 'sk' });
  try {
    const { id } = await newTicket({ subject: 'Broken <b>printer</b>' });
    const ada = await staffAgent(adminCredentials);
    const token = csrfFrom((await ada.get(`/admin/tickets/${id}`).expect(200)).text);
    await ada
      .post(`/admin/tickets/${id}/properties`)
      .type('form')
      .send({ _csrf: token, owner: String(samId) })
      .expect(303);
    const [mail] = await mails('staff_assigned');
    expect(mail.to_address).toBe(staffCredentials.email);
    expect(mail.subject).toContain('Priradené vám: Broken <b>printer</b>');
    expect(mail.body_text).toContain('Ada Admin vám priradil(a) tiket.');
    expect(mail.body_text).toContain(`/admin/tickets/${id}`);

    // Assigning to yourself is no news.
    await t.db('mail_outbox').del();
    await ada
      .post(`/admin/tickets/${id}/properties`)
      .type('form')
      .send({ _csrf: token, owner: String(adaId) })
      .expect(303);
    const sam = await staffAgent(staffCredentials);
    const samToken = csrfFrom((await sam.get(`/admin/tickets/${id}`).expect(200)).text);
    await sam.post(`/admin/tickets/${id}/take`).type('form').send({ _csrf: samToken }).expect(303);
    expect(await recipients('staff_assigned')).toEqual([]);

    await setSwitch(adaId, { notify_assigned: false });
    await sam
      .post(`/admin/tickets/${id}/properties`)
      .type('form')
      .send({ _csrf: samToken, owner: String(adaId) })
      .expect(303);
    expect(await recipients('staff_assigned')).toEqual([]);
    await setSwitch(adaId, { notify_assigned: true });
    await sam.post(`/admin/tickets/${id}/properties`).type('form').send({ _csrf: samToken, owner: '' }).expect(303);
    await sam
      .post(`/admin/tickets/${id}/properties`)
      .type('form')
      .send({ _csrf: samToken, owner: String(adaId) })
      .expect(303);
    expect(await recipients('staff_assigned')).toEqual([adminCredentials.email]);
  } finally {
    await t.db('staff_users').where({ id: samId }).update({ language: 'en' });
  }
});

test('a customer reply is mailed to the ticket owner who wants it, with the reply escaped in HTML', async () => {
  const { customer, tracking, id } = await newTicket();
  const reply = async (message: string) => {
    const page = await customer.get(`/helpdesk/tickets/${tracking}`).expect(200);
    await customer
      .post(`/helpdesk/tickets/${tracking}/reply`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), message })
      .expect(303);
  };
  await reply('Nobody owns this yet.');
  expect(await recipients('staff_customer_replied')).toEqual([]);

  await t.db('tickets').where({ id }).update({ owner_id: samId });
  await reply('Still smoking <img src=x onerror=alert(1)>');
  const rows = await t
    .db('mail_outbox')
    .where({ template: 'staff_customer_replied' })
    .select('to_address', 'subject', 'body_text', 'body_html');
  expect(rows.map((r: { to_address: string }) => r.to_address)).toEqual([staffCredentials.email]);
  expect(rows[0].subject).toContain('Customer replied: Printer on fire');
  expect(rows[0].body_text).toContain('Still smoking <img src=x onerror=alert(1)>');
  expect(rows[0].body_html).toContain('Still smoking &lt;img src=x onerror=alert(1)&gt;');
  expect(rows[0].body_html).not.toContain('<img src=x');

  await t.db('mail_outbox').del();
  await setSwitch(samId, { notify_customer_reply: false });
  await reply('Hello again');
  expect(await recipients('staff_customer_replied')).toEqual([]);

  // A deactivated owner is never mailed.
  await t.db('tickets').where({ id }).update({ owner_id: deeId });
  await reply('Anyone there?');
  expect(await recipients('staff_customer_replied')).toEqual([]);

  // Nor an owner whose access to the ticket's category was taken away since.
  await setSwitch(samId, { notify_customer_reply: true });
  await t.db('tickets').where({ id }).update({ owner_id: samId });
  await t.db('staff_categories').where({ staff_id: samId, category_id: 1 }).del();
  try {
    await reply('Secret details for the owner only');
    expect(await recipients('staff_customer_replied')).toEqual([]);
  } finally {
    await t.db('staff_categories').insert({ staff_id: samId, category_id: 1 });
  }
});

test('escalated to your tier: each switch respected, the escalating person never mailed', async () => {
  const now = t.clock.now();
  await t.db('categories').insert({
    name: 'Specialists',
    tier: 2,
    is_public: false,
    sort_order: 5,
    is_active: true,
    created_at: now,
    updated_at: now,
  });
  const specialists = Number((await t.db('categories').where({ name: 'Specialists' }).first('id')).id);
  await t.db('categories').where({ id: 1 }).update({ escalate_to_id: specialists });
  await t.db('staff_categories').insert({ staff_id: samId, category_id: specialists });
  try {
    const escalate = async (agentCreds: { email: string; password: string }) => {
      const { id } = await newTicket();
      const agent = await staffAgent(agentCreds);
      const token = csrfFrom((await agent.get(`/admin/tickets/${id}`).expect(200)).text);
      await t.db('mail_outbox').del();
      await agent
        .post(`/admin/tickets/${id}/escalate`)
        .type('form')
        .send({ _csrf: token, reason: 'Needs a specialist' })
        .expect(303);
    };
    await escalate(staffCredentials);
    expect(await recipients('staff_escalated')).toEqual([adminCredentials.email]);
    await escalate(adminCredentials);
    expect(await recipients('staff_escalated')).toEqual([staffCredentials.email]);
    await setSwitch(samId, { notify_escalated: false });
    await escalate(adminCredentials);
    expect(await recipients('staff_escalated')).toEqual([]);
  } finally {
    await t.db('categories').where({ id: 1 }).update({ escalate_to_id: null });
  }
});

test('auto-assignment mails the person it picked, and skips someone who said they are away', async () => {
  await t.db('categories').where({ id: 1 }).update({ auto_assign: 'round_robin' });
  try {
    const sam = await staffAgent(staffCredentials);
    const token = csrfFrom((await sam.get('/admin/profile').expect(200)).text);
    await sam
      .post('/admin/profile/notifications')
      .type('form')
      .send({ _csrf: token, notify_assigned: 'yes', is_away: 'yes' })
      .expect(303);
    const away = await newTicket();
    expect((await t.db('tickets').where({ id: away.id }).first('owner_id')).owner_id).toBeNull();
    expect(await recipients('staff_assigned')).toEqual([]);

    await sam
      .post('/admin/profile/notifications')
      .type('form')
      .send({ _csrf: token, notify_assigned: 'yes' })
      .expect(303);
    const back = await newTicket();
    expect(Number((await t.db('tickets').where({ id: back.id }).first('owner_id')).owner_id)).toBe(samId);
    const [mail] = await mails('staff_assigned');
    expect(mail.to_address).toBe(staffCredentials.email);
    expect(mail.body_text).toContain('Acme Support assigned a ticket to you.');
  } finally {
    await t.db('categories').where({ id: 1 }).update({ auto_assign: 'none' });
  }
});
