import fs from 'node:fs';
import path from 'node:path';
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

const idsIn = (html: string) =>
  [...html.matchAll(/<td class="mono"><a href="\/admin\/tickets\/(\d+)"/g)].map((m) => Number(m[1]));
const ticketIdOf = async (tracking: string) =>
  Number((await t.db('tickets').where({ tracking_id: tracking }).first('id')).id);
const storedFiles = (ticketId: number) => t.db('attachments').where({ ticket_id: ticketId }).pluck('storage_key');
// The disk store files a key under two levels of its first characters.
const onDisk = (key: string) =>
  fs.existsSync(path.join(t.config.paths.attachments, key.slice(0, 2), key.slice(2, 4), key));

async function signedInAdmin() {
  const agent = request.agent(t.app);
  expect((await signIn(agent, adminCredentials)).status).toBe(303);
  return { agent, token: csrfFrom((await agent.get('/admin/customers').expect(200)).text) };
}

async function customerWithTwoTickets(email: string, street = 'Loudstreet') {
  const res = await submitForm(
    t,
    request.agent(t.app),
    {
      ...validTicket,
      email,
      name: 'Petra <b>Private</b>',
      subject: 'Zeppelin invoice',
      message: `My flat is at ${street} 7, call me.`,
    },
    [{ name: 'passport scan.txt', content: `secret scan of ${email}\n` }],
  );
  expect(res.status).toBe(303);
  const first = /\/helpdesk\/tickets\/([A-Z0-9]{10})\/created/.exec(res.headers.location!)![1]!;
  const second = await openTicket(t, request.agent(t.app), {
    email,
    subject: 'Second question',
    message: 'Another message about marmalade.',
  });
  return {
    customerId: Number((await t.db('customers').where({ email }).first('id')).id),
    first: await ticketIdOf(first),
    second: await ticketIdOf(second),
    firstTracking: first,
  };
}

test('export gives the customer everything of theirs as JSON, without internal notes', async () => {
  const { agent, token } = await signedInAdmin();
  const c = await customerWithTwoTickets('petra@privacy.example');
  await agent
    .post(`/admin/tickets/${c.first}/note`)
    .type('form')
    .send({ _csrf: token, message: 'Internal: suspected reseller' })
    .expect(303);
  expect((await agent.get('/admin/customers?q=petra%40priv').expect(200)).text).toContain(
    `/admin/customers/${c.customerId}`,
  );
  expect((await agent.get('/admin/customers?q=%25').expect(200)).text).not.toContain(
    `/admin/customers/${c.customerId}`,
  );
  const page = (await agent.get(`/admin/customers/${c.customerId}`).expect(200)).text;
  expect(page).toContain('Petra &lt;b&gt;Private&lt;/b&gt;');

  const res = await agent.get(`/admin/customers/${c.customerId}/export`).expect(200);
  expect(res.headers['content-disposition']).toMatch(
    new RegExp(`^attachment; filename="?customer-${c.customerId}\\.json"?$`),
  );
  const data = JSON.parse(res.text) as {
    customer: { email: string };
    tickets: Array<{ subject: string; messages: Array<{ body: string; attachments: Array<{ fileName: string }> }> }>;
  };
  expect(data.customer.email).toBe('petra@privacy.example');
  expect((data as unknown as { exportedAt: string }).exportedAt).toBe(new Date(t.clock.now()).toISOString());
  expect(data.tickets.map((x) => x.subject).sort()).toEqual(['Second question', 'Zeppelin invoice']);
  const zeppelin = data.tickets.find((x) => x.subject === 'Zeppelin invoice')!;
  expect(zeppelin.messages.map((m) => m.body)).toEqual(['My flat is at Loudstreet 7, call me.']);
  expect(zeppelin.messages[0]!.attachments.map((a) => a.fileName)).toEqual(['passport scan.txt']);
  expect(res.text).not.toContain('suspected reseller');
  expect(
    await t
      .db('audit_log')
      .where({ action: 'customer.exported', target_id: String(c.customerId) })
      .first(),
  ).toBeDefined();
});

test('anonymizing a customer removes name, address, IPs, texts and files but keeps the tickets', async () => {
  const { agent, token } = await signedInAdmin();
  const c = await customerWithTwoTickets('quentin@privacy.example', 'Quietstreet');
  const keys = await storedFiles(c.first);
  expect(keys.length).toBe(1);
  expect(onDisk(keys[0]!)).toBe(true);
  expect(idsIn((await agent.get('/admin/tickets?q=Quietstreet').expect(200)).text)).toEqual([c.first]);

  const unconfirmed = await agent
    .post(`/admin/customers/${c.customerId}/anonymize`)
    .type('form')
    .send({ _csrf: token });
  expect(unconfirmed.status).toBe(400);
  expect(unconfirmed.text).toContain('Tick the box to confirm');
  await agent
    .post(`/admin/customers/${c.customerId}/anonymize`)
    .type('form')
    .send({ _csrf: token, confirm: 'yes' })
    .expect(303);

  const customer = await t.db('customers').where({ id: c.customerId }).first('email', 'name');
  expect(customer.email).toMatch(/^anonymized-[0-9a-f]{16}@anonymized\.invalid$/);
  expect(customer.name).toBe('Anonymized customer');
  expect(
    await t.db('tickets').whereIn('id', [c.first, c.second]).whereNotNull('ip').count<{ n: number }[]>({ n: '*' }),
  ).toEqual([{ n: 0 }]);
  const bodies = await t.db('messages').whereIn('ticket_id', [c.first, c.second]).pluck('body');
  expect(bodies.join(' ')).not.toMatch(/Quietstreet|marmalade/);
  expect(await storedFiles(c.first)).toEqual([]);
  expect(onDisk(keys[0]!)).toBe(false);
  expect(await t.db('mail_outbox').where({ to_address: 'quentin@privacy.example' }).first()).toBeUndefined();
  expect(idsIn((await agent.get('/admin/tickets?q=Quietstreet').expect(200)).text)).toEqual([]);
  expect((await agent.get(`/admin/tickets/${c.first}`).expect(200)).text).toContain('Anonymized');
  expect(await t.db('ticket_events').where({ ticket_id: c.first, type: 'privacy.anonymized' }).first()).toBeDefined();
  expect(await t.db('audit_log').where({ action: 'customer.anonymized' }).first()).toBeDefined();

  // The old address opens nothing on the customer side.
  const look = await request(t.app)
    .get(`/api/v1/tickets/${c.firstTracking}`)
    .query({ email: 'quentin@privacy.example' });
  expect(look.status).toBe(404);
  const again = await agent
    .post(`/admin/customers/${c.customerId}/anonymize`)
    .type('form')
    .send({ _csrf: token, confirm: 'yes' });
  expect(again.status).toBe(400);
});

test('one ticket can be anonymized on its own; deleting a customer removes them and their tickets', async () => {
  const { agent, token } = await signedInAdmin();
  const c = await customerWithTwoTickets('rosa@privacy.example');
  await agent
    .post(`/admin/customers/${c.customerId}/tickets/${c.first}/anonymize`)
    .type('form')
    .send({ _csrf: token })
    .expect(303);
  const moved = await t.db('tickets').where({ id: c.first }).first('customer_id', 'subject');
  expect(Number(moved.customer_id)).not.toBe(c.customerId);
  expect(moved.subject).toBe('Anonymized ticket');
  expect(Number((await t.db('tickets').where({ id: c.second }).first('customer_id')).customer_id)).toBe(c.customerId);

  const other = await customerWithTwoTickets('sven@privacy.example');
  await agent
    .post(`/admin/customers/${c.customerId}/tickets/${other.first}/anonymize`)
    .type('form')
    .send({ _csrf: token })
    .expect(404);
  expect((await t.db('tickets').where({ id: other.first }).first('subject')).subject).toBe('Zeppelin invoice');

  const keys = await storedFiles(other.first);
  await agent.post(`/admin/customers/${other.customerId}/delete`).type('form').send({ _csrf: token }).expect(400);
  await agent
    .post(`/admin/customers/${other.customerId}/delete`)
    .type('form')
    .send({ _csrf: token, confirm: 'yes' })
    .expect(303);
  expect(await t.db('customers').where({ id: other.customerId }).first()).toBeUndefined();
  expect(await t.db('tickets').whereIn('id', [other.first, other.second]).first()).toBeUndefined();
  expect(onDisk(keys[0]!)).toBe(false);
  const audit = await t.db('audit_log').where({ action: 'customer.deleted' }).first('details', 'target_id');
  expect(JSON.parse(audit.details)).toEqual({ tickets: 2 });
  await agent.get(`/admin/customers/${other.customerId}`).expect(404);
});

test('only admins reach the privacy tools, and every action needs the form token', async () => {
  const c = await customerWithTwoTickets('tess@privacy.example');
  const sam = request.agent(t.app);
  await signIn(sam, staffCredentials);
  const samToken = csrfFrom((await sam.get('/admin').expect(200)).text);
  await sam.get('/admin/customers').expect(403);
  await sam.get(`/admin/customers/${c.customerId}/export`).expect(403);
  await sam
    .post(`/admin/customers/${c.customerId}/delete`)
    .type('form')
    .send({ _csrf: samToken, confirm: 'yes' })
    .expect(403);
  const { agent } = await signedInAdmin();
  const ticketPage = (await agent.get(`/admin/tickets/${c.first}`).expect(200)).text;
  expect(ticketPage).toContain(`href="/admin/customers/${c.customerId}"`);
  expect(ticketPage).toContain('href="/admin/bans?kind=email&amp;value=tess%40privacy.example"');
  await agent.post(`/admin/customers/${c.customerId}/delete`).type('form').send({ confirm: 'yes' }).expect(403);
  await agent.get('/admin/customers/not-a-number').expect(404);
  await agent.get('/admin/customers/99999999').expect(404);
  expect(await t.db('customers').where({ id: c.customerId }).first()).toBeDefined();
});

test('anonymizing leaves no personal text behind: field values and notes in the history, time notes, drafts, messages merged into another ticket', async () => {
  const { agent, token } = await signedInAdmin();
  const c = await customerWithTwoTickets('ursula@privacy.example', 'Ulmenweg');
  const victor = await customerWithTwoTickets('victor@privacy.example', 'Vinegarlane');
  const now = t.clock.now();
  await t.db('custom_fields').insert({
    label: 'ID card',
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
  const field = `field_${(await t.db('custom_fields').where({ label: 'ID card' }).first('id')).id}`;
  try {
    for (const value of ['Passport 12345', 'Passport 67890'])
      await agent
        .post(`/admin/tickets/${c.first}/fields`)
        .type('form')
        .send({ _csrf: token, fields_form: '1', [field]: value })
        .expect(303);
    await agent
      .post(`/admin/tickets/${c.first}/time`)
      .type('form')
      .send({ _csrf: token, minutes: '10', note: 'Called Ursula at home' })
      .expect(303);
    await agent
      .post(`/admin/tickets/${c.first}/draft`)
      .type('form')
      .send({ _csrf: token, message: 'Dear Ursula, about your flat' })
      .expect(303);
    // Her second ticket is merged into Victor's: her words now live on his ticket.
    const victorTracking = (await t.db('tickets').where({ id: victor.first }).first('tracking_id')).tracking_id;
    await agent
      .post(`/admin/tickets/${c.second}/merge`)
      .type('form')
      .send({ _csrf: token, target: victorTracking, confirm: 'yes' })
      .expect(303);
    expect((await t.db('messages').where({ ticket_id: victor.first }).pluck('body')).join(' ')).toContain('marmalade');

    await agent
      .post(`/admin/customers/${c.customerId}/anonymize`)
      .type('form')
      .send({ _csrf: token, confirm: 'yes' })
      .expect(303);

    const history = (await t.db('ticket_events').where({ ticket_id: c.first }).pluck('data')).join(' ');
    expect(history).not.toMatch(/Passport|Ursula/);
    expect(history).toContain('ID card');
    expect(await t.db('ticket_time_entries').where({ ticket_id: c.first }).pluck('note')).toEqual([null]);
    expect(await t.db('reply_drafts').where({ ticket_id: c.first }).first()).toBeUndefined();
    const onVictors = await t.db('messages').where({ ticket_id: victor.first }).pluck('body');
    expect(onVictors.join(' ')).not.toContain('marmalade');
    expect(onVictors).toContain('My flat is at Vinegarlane 7, call me.');
    expect((await agent.get(`/admin/tickets/${c.first}`).expect(200)).text).not.toMatch(
      /Passport|Called Ursula|Dear Ursula/,
    );

    // Deleting a customer clears their words on someone else's ticket too.
    const w = await customerWithTwoTickets('wilma@privacy.example', 'Willowroad');
    await agent
      .post(`/admin/tickets/${w.first}/merge`)
      .type('form')
      .send({ _csrf: token, target: victorTracking, confirm: 'yes' })
      .expect(303);
    const mergedKeys = await storedFiles(victor.first);
    expect(mergedKeys.length).toBe(2);
    await agent
      .post(`/admin/customers/${w.customerId}/delete`)
      .type('form')
      .send({ _csrf: token, confirm: 'yes' })
      .expect(303);
    expect((await t.db('messages').where({ ticket_id: victor.first }).pluck('body')).join(' ')).not.toContain(
      'Willowroad',
    );
    expect((await storedFiles(victor.first)).length).toBe(1);
  } finally {
    await t.db('custom_fields').update({ is_active: false });
  }
});

test('any ticket of the customer can be anonymized on its own, also one older than the 500 the page lists', async () => {
  const { agent, token } = await signedInAdmin();
  const c = await customerWithTwoTickets('xenia@privacy.example');
  const model = await t.db('tickets').where({ id: c.second }).first();
  const newer = Array.from({ length: 500 }, (_, i) => {
    const { id: _id, subject_tsv: _s, ...row } = model as Record<string, unknown>;
    return {
      ...row,
      tracking_id: `ZZ${String(i).padStart(8, '0')}`,
      submission_key: null,
      created_at: Number(model.created_at) + 1000 + i,
    };
  });
  await t.db.batchInsert('tickets', newer, 100);
  expect((await agent.get(`/admin/customers/${c.customerId}`).expect(200)).text).not.toContain(
    `/admin/tickets/${c.first}"`,
  );
  await agent
    .post(`/admin/customers/${c.customerId}/tickets/${c.first}/anonymize`)
    .type('form')
    .send({ _csrf: token })
    .expect(303);
  expect((await t.db('tickets').where({ id: c.first }).first('subject')).subject).toBe('Anonymized ticket');
});

test('anonymizing one ticket takes along their tickets merged into it (subject and link to the person)', async () => {
  const { agent, token } = await signedInAdmin();
  const c = await customerWithTwoTickets('yara@privacy.example');
  const secondTracking = (await t.db('tickets').where({ id: c.second }).first('tracking_id')).tracking_id;
  await agent
    .post(`/admin/tickets/${c.first}/merge`)
    .type('form')
    .send({ _csrf: token, target: secondTracking, confirm: 'yes' })
    .expect(303);
  await agent
    .post(`/admin/customers/${c.customerId}/tickets/${c.second}/anonymize`)
    .type('form')
    .send({ _csrf: token })
    .expect(303);
  const rows = await t.db('tickets').whereIn('id', [c.first, c.second]).select('subject', 'customer_id', 'ip');
  expect(rows.map((r: { subject: string }) => r.subject)).toEqual(['Anonymized ticket', 'Anonymized ticket']);
  expect(
    rows.every(
      (r: { customer_id: number; ip: string | null }) => Number(r.customer_id) !== c.customerId && r.ip === null,
    ),
  ).toBe(true);
});
