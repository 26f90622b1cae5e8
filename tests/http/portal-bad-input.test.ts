import request from 'supertest';
import { csrfFrom, useInstalledApp, type InstalledApp } from '../helpers/installed-app';
import { openTicket, submitForm, validTicket } from '../helpers/portal';

let t: InstalledApp;
useInstalledApp((app) => (t = app), { freshRateLimits: true });
beforeEach(async () => {
  await t.services.settings.save({ 'attachments.maxSizeMb': 1, 'attachments.maxCount': 3 });
});

const png = Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), Buffer.alloc(64)]);
const script = '<script>alert(1)</script><img src=x onerror=alert(2)>';

function problemsOf(html: string): string {
  return /<ul class="field__error" id="attachments-error">([\s\S]*?)<\/ul>/.exec(html)?.[1] ?? '';
}

test('HTML and script in every field and in file names are shown inert', async () => {
  const agent = request.agent(t.app);
  const res = await submitForm(
    t,
    agent,
    {
      ...validTicket,
      name: `Eve ${script}`,
      subject: `Subject ${script}`,
      message: `Body ${script}\n"quotes" & 'apostrophes'`,
    },
    [{ name: `${script}.png`, content: png }],
  );
  expect(res.status).toBe(303);
  for (const url of [res.headers.location!, res.headers.location!.replace('/created', '')]) {
    const page = await agent.get(url).expect(200);
    expect(page.text).not.toContain('<script>alert(1)');
    expect(page.text).not.toContain('<img src=x');
  }
  const page = await agent.get(res.headers.location!.replace('/created', ''));
  expect(page.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  expect(page.text).toContain('&lt;img src=x onerror=alert(2)&gt;.png');
});

test('active content, programs and disguised files are refused with a reason beside the field', async () => {
  const agent = request.agent(t.app);
  const cases: Array<[string, Buffer | string, string]> = [
    ['page.html', '<html><script>alert(1)</script></html>', 'not allowed'],
    ['logo.svg', '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', 'not allowed'],
    ['setup.exe', Buffer.concat([Buffer.from('MZ'), Buffer.alloc(200)]), 'not allowed'],
    ['holiday.jpg', Buffer.concat([Buffer.from('4d5a9000', 'hex'), Buffer.alloc(300)]), 'does not match'],
    ['invoice.pdf', '<html><body>not a pdf</body></html>', 'does not match'],
    ['notes.txt', Buffer.concat([Buffer.from('text'), Buffer.alloc(10), Buffer.from('more')]), 'does not match'],
    ['empty.png', Buffer.alloc(0), 'is empty'],
  ];
  for (const [name, content, reason] of cases) {
    const res = await submitForm(t, agent, validTicket, [{ name, content }]);
    expect([name, res.status]).toEqual([name, 400]);
    expect(problemsOf(res.text)).toContain(reason);
    expect(res.text).toContain('value="Printer on fire"');
  }
});

test('size and count limits: one byte over is refused, the limit itself is fine', async () => {
  const agent = request.agent(t.app);
  const limit = 1024 * 1024;
  const atLimit = Buffer.concat([png, Buffer.alloc(limit - png.length)]);
  const over = Buffer.concat([atLimit, Buffer.alloc(1)]);
  expect((await submitForm(t, agent, validTicket, [{ name: 'ok.png', content: atLimit }])).status).toBe(303);
  const tooBig = await submitForm(t, agent, validTicket, [{ name: 'big.png', content: over }]);
  expect(tooBig.status).toBe(400);
  expect(problemsOf(tooBig.text)).toContain('big.png is larger than 1 MB');
  const four = Array.from({ length: 4 }, (_, i) => ({ name: `p${i}.png`, content: png }));
  const tooMany = await submitForm(t, agent, validTicket, four);
  expect(tooMany.status).toBe(400);
  expect(problemsOf(tooMany.text)).toContain('Attach at most 3 files');
  const flood = await submitForm(
    t,
    agent,
    validTicket,
    Array.from({ length: 10 }, (_, i) => ({ name: `p${i}.png`, content: png })),
  );
  expect(flood.status).toBe(413);
});

test('huge fields, NUL bytes, line breaks in one-line fields and lists are refused cleanly', async () => {
  const agent = request.agent(t.app);
  expect((await submitForm(t, agent, { ...validTicket, subject: 'x'.repeat(1024 * 1024) })).status).toBe(413);
  expect((await submitForm(t, agent, { ...validTicket, message: 'y'.repeat(5 * 1024 * 1024) })).status).toBe(413);
  const long = await submitForm(t, agent, { ...validTicket, message: 'z'.repeat(60_000) });
  expect(long.status).toBe(400);
  expect(long.text).toContain('The message is too long');
  for (const bad of [
    { name: 'Eve\r\nBcc: victim@example.com' },
    { subject: 'Hi\r\nBcc: victim@example.com' },
    { subject: 'tab\u0007bell' },
  ]) {
    const res = await submitForm(t, agent, { ...validTicket, ...bad });
    expect(res.status).toBe(400);
    expect(res.text).toContain('Remove the line breaks and control characters.');
  }
  // A NUL character (nobody types one) is refused for the whole form, before any query.
  const tickets = await t.db('tickets').count<{ n: number }[]>({ n: '*' });
  for (const bad of [{ subject: 'a\u0000b' }, { message: 'nul \u0000 byte' }])
    expect((await submitForm(t, agent, { ...validTicket, ...bad })).status).toBe(400);
  expect(await t.db('tickets').count<{ n: number }[]>({ n: '*' })).toEqual(tickets);
  const lists = await submitForm(t, agent, {
    ...validTicket,
    subject: ['one', 'two'],
    email: ['a@example.com', 'b@example.com'],
  });
  expect(lists.status).toBe(400);
  expect(lists.text).toContain('href="#subject"');
  expect(lists.text).toContain('href="#email"');
});

test('invalid UTF-8 does not break anything and 4-byte characters survive intact', async () => {
  const agent = request.agent(t.app);
  const page = await agent.get('/helpdesk/tickets/new');
  t.clock.advance(5000);
  const raw = await agent
    .post(`/helpdesk/tickets/new?_csrf=${encodeURIComponent(csrfFrom(page.text))}`)
    .field('shown', /name="shown" value="([^"]+)"/.exec(page.text)![1]!)
    .field('name', 'Ivan')
    .field('email', 'ivan@example.com')
    .field('category', '1')
    .field('subject', Buffer.from([0x48, 0x69, 0xc3, 0x28, 0xff, 0xfe]).toString('latin1'))
    .field('message', 'bad bytes');
  expect([303, 400]).toContain(raw.status);
  const emoji = '🎫 Ticket 😀 Žluťoučký kůň кошка 𝄞';
  const id = await openTicket(t, agent, { subject: emoji, message: `Message ${emoji}`, name: `Zoë 🙂` });
  const shown = await agent.get(`/helpdesk/tickets/${id}`).expect(200);
  expect(shown.text).toContain(emoji);
  expect(shown.text).toContain('Zoë 🙂');
  const row = await t.db('tickets').where({ tracking_id: id }).first('subject');
  expect(row.subject).toBe(emoji);
});

test('guessing tracking IDs is rate limited and every miss looks the same', async () => {
  const agent = request.agent(t.app);
  const page = await agent.get('/helpdesk/tickets');
  const token = csrfFrom(page.text);
  const limit = await t.services.settings.get('spam.lookupFailuresPerHour');
  const bodies = new Set<number>();
  for (let i = 0; i < limit; i++) {
    const res = await agent
      .post('/helpdesk/tickets')
      .type('form')
      .send({ _csrf: token, tracking: `ABC-234-DEF${'GHJKMNPQRSTUVWXYZ23'[i % 19]}`, email: 'x@example.com' });
    expect(res.status).toBe(404);
    bodies.add(res.text.length - (res.text.match(/ABC-234-DEF./g)?.length ?? 0));
  }
  const blocked = await agent
    .post('/helpdesk/tickets')
    .type('form')
    .send({ _csrf: token, tracking: 'ABC-234-DEFG', email: 'x@example.com' });
  expect(blocked.status).toBe(429);
  await agent.post('/helpdesk/tickets/ABC234DEFG/reply').type('form').send({ _csrf: token, message: 'x' }).expect(429);
});

test("someone else's ticket: every route answers not found, with or without a forged link", async () => {
  const owner = request.agent(t.app);
  const id = await openTicket(t, owner);
  const ticket = await t.db('tickets').where({ tracking_id: id }).first('id');
  const attachment = await t.db('attachments').where({ ticket_id: ticket.id }).first('id');
  const stranger = request.agent(t.app);
  const token = csrfFrom((await stranger.get('/helpdesk/tickets')).text);
  await stranger.get(`/helpdesk/tickets/${id}?k=abc.def`).expect(404);
  await stranger
    .post(`/helpdesk/tickets/${id}/reply`)
    .type('form')
    .send({ _csrf: token, message: 'hijack' })
    .expect(404);
  await stranger
    .post(`/helpdesk/tickets/${id}/status`)
    .type('form')
    .send({ _csrf: token, action: 'resolve' })
    .expect(404);
  if (attachment) await stranger.get(`/helpdesk/tickets/${id}/attachments/${attachment.id}?k=x.y`).expect(404);
  expect(await t.db('messages').where({ ticket_id: ticket.id }).count<{ n: number }[]>({ n: '*' })).toEqual([{ n: 1 }]);
});
