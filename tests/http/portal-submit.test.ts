import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { behindProxy, csrfFrom, useInstalledApp, type InstalledApp } from '../helpers/installed-app';
import { openTicket, submitForm, validTicket } from '../helpers/portal';

let t: InstalledApp;
useInstalledApp((app) => (t = app), { freshRateLimits: true });

const png = Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), Buffer.alloc(64)]);

test('a customer submits a ticket and sees its tracking ID', async () => {
  const agent = request.agent(t.app);
  const res = await submitForm(t, agent, validTicket, [
    { name: 'screenshot.png', content: png },
    { name: 'notes.txt', content: 'plain notes\n' },
  ]);
  expect(res.status).toBe(303);
  const created = await agent.get(res.headers.location!).expect(200);
  const shown = /class="tracking-id__value">([A-Z0-9-]+)</.exec(created.text)![1]!;
  expect(shown).toMatch(/^[2-9A-HJKMNP-Z]{3}-[2-9A-HJKMNP-Z]{3}-[2-9A-HJKMNP-Z]{4}$/);
  const ticket = await agent.get(`/helpdesk/tickets/${shown.replace(/-/g, '')}`).expect(200);
  expect(ticket.text).toContain('Printer on fire');
  expect(ticket.text).toContain('It started smoking after the update.\nPlease help.');
  expect(ticket.text).toContain('screenshot.png');
  const row = await t
    .db('tickets')
    .where({ tracking_id: shown.replace(/-/g, '') })
    .first();
  expect(row.message_count).toBe(1);
  expect(await t.db('attachments').where({ ticket_id: row.id }).count<{ n: number }[]>({ n: '*' })).toEqual([{ n: 2 }]);
  expect(await t.db('ticket_events').where({ ticket_id: row.id }).pluck('type')).toEqual(['ticket.created']);
  const link = /href="(\/helpdesk\/tickets\/[A-Z0-9]+\/attachments\/\d+)"[^>]*>notes\.txt/.exec(ticket.text)![1]!;
  const file = await agent.get(link).expect(200);
  expect(file.headers['content-disposition']).toContain('attachment');
  expect(file.headers['x-content-type-options']).toBe('nosniff');
  expect(file.text).toBe('plain notes\n');
  await request(t.app).get(link).expect(303); // another browser has no access
});

test('validation errors re-show the form with every value kept', async () => {
  const agent = request.agent(t.app);
  const res = await submitForm(t, agent, { ...validTicket, email: 'not-an-email', subject: '' });
  expect(res.status).toBe(400);
  expect(res.text).toContain('Enter an e-mail address like name@example.com.');
  expect(res.text).toContain('href="#subject"');
  expect(res.text).toContain('value="Carla Customer"');
  expect(res.text).toContain('It started smoking after the update.');
});

test('a double submit creates one ticket', async () => {
  const agent = request.agent(t.app);
  const page = await agent.get('/helpdesk/tickets/new');
  const before = (await t.db('tickets').count<{ n: number }[]>({ n: '*' }))[0]!.n;
  const hidden = (name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(page.text)![1]!;
  t.clock.advance(5000);
  const send = () => {
    let req = agent
      .post(`/helpdesk/tickets/new?_csrf=${encodeURIComponent(/name="_csrf" value="([^"]+)"/.exec(page.text)![1]!)}`)
      .field('shown', hidden('shown'))
      .field('submission_key', hidden('submission_key'));
    for (const [k, v] of Object.entries(validTicket)) req = req.field(k, v);
    return req;
  };
  const [a, b] = await Promise.all([send(), send()]);
  const c = await send();
  expect([a.status, b.status, c.status]).toEqual([303, 303, 303]);
  expect(new Set([a.headers.location!, b.headers.location!, c.headers.location!]).size).toBe(1);
  expect((await t.db('tickets').count<{ n: number }[]>({ n: '*' }))[0]!.n).toBe(Number(before) + 1);
});

test('the honeypot and a too-fast submission are refused', async () => {
  const agent = request.agent(t.app);
  const bot = await submitForm(t, agent, { ...validTicket, website: 'http://spam.example' });
  expect(bot.status).toBe(403);
  expect(bot.text).toContain('We could not accept this request');
  const page = await agent.get('/helpdesk/tickets/new');
  const fast = await agent
    .post(`/helpdesk/tickets/new?_csrf=${encodeURIComponent(/name="_csrf" value="([^"]+)"/.exec(page.text)![1]!)}`)
    .field('shown', /name="shown" value="([^"]+)"/.exec(page.text)![1]!)
    .field('name', validTicket.name)
    .field('email', validTicket.email)
    .field('category', '1')
    .field('subject', 'x')
    .field('message', 'y');
  expect(fast.status).toBe(400);
  expect(fast.text).toContain('faster than people usually type');
});

/** Sends the ticket form of `page` (its hidden fields unless given), from the agent's address. */
function sender(agent: request.Agent, headers: Record<string, string> = {}) {
  return (page: string, fields: Record<string, string> = {}) => {
    const hidden = (name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(page)?.[1] ?? '';
    let req = agent
      .post(`/helpdesk/tickets/new?_csrf=${encodeURIComponent(csrfFrom(page))}`)
      .set(headers)
      .field('shown', fields.shown ?? hidden('shown'))
      .field('submission_key', fields.submission_key ?? hidden('submission_key'));
    for (const [k, v] of Object.entries({ ...validTicket, subject: 'Autofilled', ...fields }))
      if (k !== 'shown' && k !== 'submission_key') req = req.field(k, v);
    return req;
  };
}
const shownOf = (html: string) => /name="shown" value="([^"]+)"/.exec(html)![1]!;
const ticketCount = async () => Number((await t.db('tickets').count<{ n: number }[]>({ n: '*' }))[0]!.n);
const submitHits = async () =>
  Number(
    (await t.db('rate_limits').where('bucket', 'like', 'submit:%').sum<{ n: number }[]>({ n: 'hits' }))[0]!.n ?? 0,
  );

test('a person whose browser filled the form at once reads the kind note and sends again: the minimum fill time counts from the first showing', async () => {
  const agent = request.agent(t.app);
  const send = sender(agent);
  const before = await ticketCount();
  const form = (await agent.get('/helpdesk/tickets/new').expect(200)).text;
  // The browser filled everything in at once (autofill): refused kindly, the entries kept.
  t.clock.advance(500);
  const first = await send(form);
  expect(first.status).toBe(400);
  expect(first.text).toContain('Thank you! Your browser filled in the form faster than people usually type');
  expect(first.text).toContain('value="Autofilled"');
  const retryToken = shownOf(first.text);
  expect(retryToken).toMatch(/^[0-9a-z]+\.r\./);
  // The second try keeps the time the form was first shown.
  expect(retryToken.split('.')[0]).toBe(shownOf(form).split('.')[0]);

  // Reading the note took the seconds typing did not: 3 s after the form was shown, it passes.
  t.clock.advance(2500);
  const second = await send(first.text);
  expect(second.status).toBe(303);
  expect(await ticketCount()).toBe(before + 1);

  // The same second try does not let another ticket through, and gives no new second try.
  const reused = await send(first.text, { submission_key: '', subject: 'Another one' });
  expect(reused.status).toBe(400);
  expect(reused.text).toContain('This form has expired. Please check your entries');
  expect(shownOf(reused.text)).not.toMatch(/\.r\./);
  // Forged, or older than 30 minutes: an expired form, as before.
  const forged = await send(reused.text, {
    shown: retryToken.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')),
    submission_key: '',
  });
  expect(forged.status).toBe(400);
  expect(forged.text).toContain('This form has expired. Please check your entries');
  expect(shownOf(forged.text)).not.toMatch(/\.r\./);
  const late = await send((await agent.get('/helpdesk/tickets/new').expect(200)).text, { submission_key: '' });
  expect(shownOf(late.text)).toMatch(/\.r\./);
  t.clock.advance(31 * 60_000);
  const stale = await send(late.text, { submission_key: '' });
  expect(stale.status).toBe(400);
  expect(stale.text).toContain('This form has expired. Please check your entries');
  expect(await ticketCount()).toBe(before + 1);
});

test('a bot that posts at once, waits a second and posts again is refused, and every fast try counts towards the hourly limit', async () => {
  const agent = request.agent(t.app);
  const send = sender(agent);
  const before = await ticketCount();
  const first = await send((await agent.get('/helpdesk/tickets/new').expect(200)).text);
  expect(first.status).toBe(400);
  t.clock.advance(1000);
  const again = await send(first.text);
  expect(again.status).toBe(400);
  expect(again.text).toContain('please wait a few more seconds and press “Submit ticket” again');
  // Still the first showing's second try, never a fresh one.
  expect(shownOf(again.text)).toBe(shownOf(first.text));
  t.clock.advance(1000);
  expect((await send(again.text)).status).toBe(400);
  expect(await ticketCount()).toBe(before);
  expect(await submitHits()).toBe(3);
  // Past the hourly limit (10), fast tries are refused as too many.
  for (let i = 0; i < 7; i++) expect((await send(again.text)).status).toBe(400);
  expect((await send(again.text)).status).toBe(429);
});

test('a second try is signed for the address it was given to: from another address it is an expired form', async () => {
  const proxied = behindProxy(t);
  const person = request.agent(proxied);
  const here = { 'X-Forwarded-For': '203.0.113.5' };
  const send = sender(person, here);
  const before = await ticketCount();
  const first = await send((await person.get('/helpdesk/tickets/new').set(here).expect(200)).text);
  expect(first.status).toBe(400);
  t.clock.advance(3000);
  const elsewhere = await sender(person, { 'X-Forwarded-For': '198.51.100.7' })(first.text);
  expect(elsewhere.status).toBe(400);
  expect(elsewhere.text).toContain('This form has expired. Please check your entries');
  expect(await ticketCount()).toBe(before);
  expect((await send(first.text)).status).toBe(303);
  expect(await ticketCount()).toBe(before + 1);
});

test('the tracking ID page needs proof: another browser is sent to the lookup form', async () => {
  const id = await openTicket(t, request.agent(t.app));
  const stranger = request.agent(t.app);
  await stranger
    .get(`/helpdesk/tickets/${id}`)
    .expect(303)
    .expect('Location', /\/helpdesk\/tickets\?t=/);
  const page = await stranger.get('/helpdesk/tickets');
  const token = /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
  const wrong = await stranger
    .post('/helpdesk/tickets')
    .type('form')
    .send({ _csrf: token, tracking: id, email: 'someone@else.example' });
  expect(wrong.status).toBe(404);
  const unknown = await stranger
    .post('/helpdesk/tickets')
    .type('form')
    .send({ _csrf: token, tracking: 'ABC-234-DEFG', email: validTicket.email });
  expect(unknown.status).toBe(404);
  expect(unknown.text).toBe(
    wrong.text
      .replace(/value="[^"]*someone@else\.example"/, `value="${validTicket.email}"`)
      .replace(new RegExp(id, 'g'), 'ABC-234-DEFG'),
  );
  const right = await stranger
    .post('/helpdesk/tickets')
    .type('form')
    .send({ _csrf: token, tracking: id.toLowerCase(), email: validTicket.email.toUpperCase() });
  expect(right.status).toBe(303);
  await stranger.get(`/helpdesk/tickets/${id}`).expect(200);
});

test('no attachment file is left behind when the database fails mid-ticket', async () => {
  const dir = path.join(t.config.paths.attachments);
  const count = () =>
    fs
      .readdirSync(dir, { recursive: true })
      .filter((f) => !String(f).startsWith('.incoming') && fs.statSync(path.join(dir, String(f))).isFile()).length;
  const before = count();
  const ticketsBefore = (await t.db('tickets').count<{ n: number }[]>({ n: '*' }))[0]!.n;
  // The database fails after the ticket, message and attachment rows are written, before commit.
  let failing = true;
  t.services.events.subscribe(async (trx) => {
    if (failing) await trx.raw('select * from table_that_is_not_there');
  });
  try {
    const res = await submitForm(t, request.agent(t.app), validTicket, [
      { name: 'a.png', content: png },
      { name: 'b.txt', content: 'text' },
    ]);
    expect(res.status).toBe(500);
  } finally {
    failing = false;
  }
  expect(count()).toBe(before);
  expect((await t.db('tickets').count<{ n: number }[]>({ n: '*' }))[0]!.n).toBe(ticketsBefore);
});
