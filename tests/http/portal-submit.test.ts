import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { csrfFrom, useInstalledApp, type InstalledApp } from '../helpers/installed-app';
import { openTicket, submitForm, validTicket } from '../helpers/portal';

let t: InstalledApp;
useInstalledApp((app) => (t = app), { freshRateLimits: true });

const png = Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), Buffer.alloc(64)]);

test('a customer submits a ticket and sees its tracking ID', async () => {
  const agent = request.agent(t.app);
  const res = await submitForm(t, agent, validTicket, [{ name: 'screenshot.png', content: png }, { name: 'notes.txt', content: 'plain notes\n' }]);
  expect(res.status).toBe(303);
  const created = await agent.get(res.headers.location!).expect(200);
  const shown = /class="tracking-id__value">([A-Z0-9-]+)</.exec(created.text)![1]!;
  expect(shown).toMatch(/^[2-9A-HJKMNP-Z]{3}-[2-9A-HJKMNP-Z]{3}-[2-9A-HJKMNP-Z]{4}$/);
  const ticket = await agent.get(`/helpdesk/tickets/${shown.replace(/-/g, '')}`).expect(200);
  expect(ticket.text).toContain('Printer on fire');
  expect(ticket.text).toContain('It started smoking after the update.\nPlease help.');
  expect(ticket.text).toContain('screenshot.png');
  const row = await t.db('tickets').where({ tracking_id: shown.replace(/-/g, '') }).first();
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
    let req = agent.post(`/helpdesk/tickets/new?_csrf=${encodeURIComponent(/name="_csrf" value="([^"]+)"/.exec(page.text)![1]!)}`).field('shown', hidden('shown')).field('submission_key', hidden('submission_key'));
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
    .field('name', validTicket.name).field('email', validTicket.email).field('category', '1').field('subject', 'x').field('message', 'y');
  expect(fast.status).toBe(400);
  expect(fast.text).toContain('faster than people usually type');
});

test('after the kind "too fast" note, the next press of Send goes through once; the second-try token is single-use, signed and short-lived', async () => {
  const agent = request.agent(t.app);
  const send = (page: string, fields: Record<string, string> = {}) => {
    const hidden = (name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(page)?.[1] ?? '';
    let req = agent.post(`/helpdesk/tickets/new?_csrf=${encodeURIComponent(csrfFrom(page))}`).field('shown', fields.shown ?? hidden('shown')).field('submission_key', fields.submission_key ?? hidden('submission_key'));
    for (const [k, v] of Object.entries({ ...validTicket, subject: 'Autofilled', ...fields })) if (k !== 'shown' && k !== 'submission_key') req = req.field(k, v);
    return req;
  };
  const before = Number((await t.db('tickets').count<{ n: number }[]>({ n: '*' }))[0]!.n);
  // The browser filled everything in at once (autofill): refused kindly, the entries kept.
  const first = await send((await agent.get('/helpdesk/tickets/new').expect(200)).text);
  expect(first.status).toBe(400);
  expect(first.text).toContain('Thank you! Your browser filled in the form faster than people usually type');
  expect(first.text).toContain('value="Autofilled"');
  const retryToken = /name="shown" value="([^"]+)"/.exec(first.text)![1]!;
  expect(retryToken).toMatch(/^[0-9a-z]+\.r\./);

  // In the very instant the note is shown a press still counts as a bot's.
  const instant = await send(first.text);
  expect(instant.status).toBe(400);
  expect(instant.text).toContain('faster than people usually type');
  const again = instant.text;

  // A person reads the note and presses Send again (well under the 3 s minimum fill time): it passes.
  t.clock.advance(1500);
  const second = await send(again);
  expect(second.status).toBe(303);
  expect(Number((await t.db('tickets').count<{ n: number }[]>({ n: '*' }))[0]!.n)).toBe(before + 1);

  // The same second-try token does not let a second ticket through.
  t.clock.advance(1500);
  const reused = await send(again, { submission_key: '', subject: 'Another one' });
  expect(reused.status).toBe(400);
  expect(reused.text).toContain('faster than people usually type');
  // Forged, or older than 30 minutes: an expired form, as before.
  const forged = await send(again, { shown: retryToken.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')), submission_key: '' });
  expect(forged.text).toContain('expired');
  t.clock.advance(31 * 60_000);
  const stale = await send(reused.text, { submission_key: '' });
  expect(stale.status).toBe(400);
  expect(stale.text).toContain('expired');
  expect(Number((await t.db('tickets').count<{ n: number }[]>({ n: '*' }))[0]!.n)).toBe(before + 1);
});

test('the tracking ID page needs proof: another browser is sent to the lookup form', async () => {
  const id = await openTicket(t, request.agent(t.app));
  const stranger = request.agent(t.app);
  await stranger.get(`/helpdesk/tickets/${id}`).expect(303).expect('Location', /\/helpdesk\/tickets\?t=/);
  const page = await stranger.get('/helpdesk/tickets');
  const token = /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
  const wrong = await stranger.post('/helpdesk/tickets').type('form').send({ _csrf: token, tracking: id, email: 'someone@else.example' });
  expect(wrong.status).toBe(404);
  const unknown = await stranger.post('/helpdesk/tickets').type('form').send({ _csrf: token, tracking: 'ABC-234-DEFG', email: validTicket.email });
  expect(unknown.status).toBe(404);
  expect(unknown.text).toBe(wrong.text.replace(/value="[^"]*someone@else\.example"/, `value="${validTicket.email}"`).replace(new RegExp(id, 'g'), 'ABC-234-DEFG'));
  const right = await stranger.post('/helpdesk/tickets').type('form').send({ _csrf: token, tracking: id.toLowerCase(), email: validTicket.email.toUpperCase() });
  expect(right.status).toBe(303);
  await stranger.get(`/helpdesk/tickets/${id}`).expect(200);
});

test('no attachment file is left behind when the database fails mid-ticket', async () => {
  const dir = path.join(t.config.paths.attachments);
  const count = () => fs.readdirSync(dir, { recursive: true }).filter((f) => !String(f).startsWith('.incoming') && fs.statSync(path.join(dir, String(f))).isFile()).length;
  const before = count();
  const ticketsBefore = (await t.db('tickets').count<{ n: number }[]>({ n: '*' }))[0]!.n;
  // The database fails after the ticket, message and attachment rows are written, before commit.
  let failing = true;
  t.services.events.subscribe(async (trx) => {
    if (failing) await trx.raw('select * from table_that_is_not_there');
  });
  try {
    const res = await submitForm(t, request.agent(t.app), validTicket, [{ name: 'a.png', content: png }, { name: 'b.txt', content: 'text' }]);
    expect(res.status).toBe(500);
  } finally {
    failing = false;
  }
  expect(count()).toBe(before);
  expect((await t.db('tickets').count<{ n: number }[]>({ n: '*' }))[0]!.n).toBe(ticketsBefore);
});
