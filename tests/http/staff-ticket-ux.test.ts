import request from 'supertest';
import { parseDuration } from '../../src/tickets/ticket-extras.schema';
import {
  adminCredentials,
  csrfFrom,
  signedInAgent,
  useInstalledApp,
  type InstalledApp,
} from '../helpers/installed-app';
import { openTicket } from '../helpers/portal';

/** The staff ticket page's rough edges: canned insert keeps the reply, time formats, where errors show, print view. */

let t: InstalledApp;
useInstalledApp((app) => (t = app), { freshRateLimits: true });

let customers = 0;
async function newTicket(name = 'Carla Customer'): Promise<{ id: number; tracking: string }> {
  const tracking = await openTicket(t, request.agent(t.app), { name, email: `ux${++customers}@example.net` });
  return { id: Number((await t.db('tickets').where({ tracking_id: tracking }).first('id')).id), tracking };
}
const tokenOn = async (agent: request.Agent, id: number) =>
  csrfFrom((await agent.get(`/admin/tickets/${id}`).expect(200)).text);
const replyBox = (html: string) => /<textarea[^>]* id="message"[^>]*>([\s\S]*?)<\/textarea>/.exec(html)?.[1];

test('inserting a canned response without script keeps what was typed, and the search still works', async () => {
  const admin = await signedInAgent(t, adminCredentials);
  const token = csrfFrom((await admin.get('/admin/canned').expect(200)).text);
  await admin
    .post('/admin/canned')
    .type('form')
    .send({
      _csrf: token,
      title: 'Refund policy',
      folder: 'Billing',
      body: 'Refunds take 5 days, {{customer_name}}.',
      shared: 'yes',
    })
    .expect(303);
  await admin
    .post('/admin/canned')
    .type('form')
    .send({
      _csrf: token,
      title: 'Invoice copy',
      folder: 'Billing',
      body: 'Here is your invoice, {{ staff_name }}.',
      shared: 'yes',
    })
    .expect(303);
  const refund = Number((await t.db('canned_responses').where({ title: 'Refund policy' }).first('id')).id);
  const invoice = Number((await t.db('canned_responses').where({ title: 'Invoice copy' }).first('id')).id);
  const { id } = await newTicket('Dora <script>');
  const page = await admin.get(`/admin/tickets/${id}`).expect(200);
  // The picker's search box and button belong to the reply form, so they send its text along.
  expect(page.text).toContain('id="reply-form"');
  expect(page.text).toMatch(/<input[^>]* id="canned_q"[^>]* form="reply-form"/);
  expect(page.text).toMatch(
    /<button type="submit" form="reply-form" formaction="\/admin\/tickets\/\d+\/canned\?_csrf=[^"]+" formmethod="post" formenctype="application\/x-www-form-urlencoded"/,
  );
  expect(page.text).toContain(`data-canned-id="${refund}"`);
  const csrf = csrfFrom(page.text);

  // A chosen response (a match button): typed text, a blank line, the response.
  const chosen = await admin
    .post(`/admin/tickets/${id}/canned`)
    .type('form')
    .send({
      _csrf: csrf,
      message: 'Hi Dora,\r\nthanks for waiting.  \r\n',
      canned: String(refund),
      status: 'waiting',
      add_signature: 'yes',
    })
    .expect(200);
  expect(replyBox(chosen.text)).toBe('Hi Dora,\nthanks for waiting.\n\nRefunds take 5 days, Dora &lt;script&gt;.');
  // A search with one match inserts it after the typed text too.
  const one = await admin
    .post(`/admin/tickets/${id}/canned`)
    .type('form')
    .send({ _csrf: csrf, message: 'Hello', canned_q: 'invoice' })
    .expect(200);
  expect(replyBox(one.text)).toBe('Hello\n\nHere is your invoice, Ada Admin.');
  // Several matches: listed, and the typed text stays in the box.
  const several = await admin
    .post(`/admin/tickets/${id}/canned`)
    .type('form')
    .send({ _csrf: csrf, message: 'Keep me <b>', canned_q: 'billing' })
    .expect(200);
  expect(several.text).toContain('2 responses match');
  expect(several.text).toContain(`name="canned" value="${invoice}"`);
  expect(replyBox(several.text)).toBe('Keep me &lt;b&gt;');
  // None: said, and the typed text stays.
  const none = await admin
    .post(`/admin/tickets/${id}/canned`)
    .type('form')
    .send({ _csrf: csrf, message: 'Still here', canned_q: 'zebra' })
    .expect(200);
  expect(none.text).toContain('No canned response matches “zebra”.');
  expect(replyBox(none.text)).toBe('Still here');
  // Nothing typed: just the response. Nothing was sent or saved.
  const bare = await admin
    .post(`/admin/tickets/${id}/canned`)
    .type('form')
    .send({ _csrf: csrf, canned: String(refund) })
    .expect(200);
  expect(replyBox(bare.text)).toBe('Refunds take 5 days, Dora &lt;script&gt;.');
  expect(Number((await t.db('messages').where({ ticket_id: id, kind: 'staff' }).count({ n: '*' }).first())!.n)).toBe(0);
  // Without a token: refused like every other form.
  await admin
    .post(`/admin/tickets/${id}/canned`)
    .type('form')
    .send({ message: 'x', canned: String(refund) })
    .expect(403);
});

test('the script fetches the filled text as JSON; guarded like the page and the response', async () => {
  const admin = await signedInAgent(t, adminCredentials);
  const token = csrfFrom((await admin.get('/admin/canned').expect(200)).text);
  await admin
    .post('/admin/canned')
    .type('form')
    .send({ _csrf: token, title: 'Hello', body: 'Hello {{customer_name}}, about {{tracking_id}}.', shared: 'yes' })
    .expect(303);
  await admin.post('/admin/canned').type('form').send({ _csrf: token, title: 'Mine', body: 'Ada only' }).expect(303);
  const hello = Number((await t.db('canned_responses').where({ title: 'Hello' }).first('id')).id);
  const mine = Number((await t.db('canned_responses').where({ title: 'Mine' }).first('id')).id);
  const { id, tracking } = await newTicket('Eve <i>E</i>');
  const res = await admin.get(`/admin/tickets/${id}/canned/${hello}.json`).expect(200).expect('Content-Type', /json/);
  expect(res.headers['cache-control']).toContain('no-store');
  expect(res.body).toEqual({
    text: `Hello Eve <i>E</i>, about ${tracking.slice(0, 3)}-${tracking.slice(3, 6)}-${tracking.slice(6)}.`,
  });
  await admin.get(`/admin/tickets/${id}/canned/999999.json`).expect(404);
  await admin.get(`/admin/tickets/999999/canned/${hello}.json`).expect(404);
  // Another person's own response is not theirs to read.
  const sam = await signedInAgent(t, { email: 'sam@example.com', password: 'another quite long passphrase 7' });
  await sam.get(`/admin/tickets/${id}/canned/${mine}.json`).expect(404);
  // Signed out: no text.
  const anon = await request(t.app).get(`/admin/tickets/${id}/canned/${hello}.json`);
  expect([302, 303, 401]).toContain(anon.status);
  expect(anon.text).not.toContain('Hello Eve');
  // The page loads the script like its others (no inline script).
  expect((await admin.get(`/admin/tickets/${id}`).expect(200)).text).toMatch(
    /<script src="[^"]*js\/canned\.js[^"]*" defer><\/script>/,
  );
});

test('saving a canned response with an unknown placeholder is refused with the known list', async () => {
  const admin = await signedInAgent(t, adminCredentials);
  const token = csrfFrom((await admin.get('/admin/canned').expect(200)).text);
  const bad = await admin
    .post('/admin/canned')
    .type('form')
    .send({ _csrf: token, title: 'Typo', body: 'Hi {{customer.name}} and {{ customer.name }}, {{tracking_id}}' });
  expect(bad.status).toBe(400);
  expect(bad.text).toContain(
    'Unknown placeholder {{customer.name}}: it would be sent exactly as typed. Use {{customer_name}}, {{tracking_id}}, {{ticket_link}}, {{staff_name}}.',
  );
  expect(bad.text).toContain('Hi {{customer.name}} and'); // what was typed stays
  expect(await t.db('canned_responses').where({ title: 'Typo' }).first()).toBeUndefined();
  await admin
    .post('/admin/canned')
    .type('form')
    .send({ _csrf: token, title: 'Fine', body: 'Hi {{ customer_name }}, {{staff_name}}' })
    .expect(303);
});

test.each([
  ['1h 30m', 90],
  ['1h', 60],
  ['45m', 45],
  ['1:30', 90],
  ['90', 90],
  ['1h30m', 90],
  ['2 hours 5 min', 125],
  ['0:45', 45],
])('time spent %p is %p minutes', (typed, minutes) => {
  expect(parseDuration(typed)).toBe(minutes);
});
test.each(['abc', '1:75', 'h', '1h 1h', '1.5'])('time spent %p is not read', (typed) => {
  expect(parseDuration(typed)).toBeNull();
});

test('log time takes "1h 30m"; a refused side form shows its errors at the top of the main column, not in the reply card', async () => {
  const admin = await signedInAgent(t, adminCredentials);
  const { id } = await newTicket();
  const token = await tokenOn(admin, id);
  await admin
    .post(`/admin/tickets/${id}/time`)
    .type('form')
    .send({ _csrf: token, minutes: '1h 30m', note: 'Call' })
    .expect(303);
  await admin.post(`/admin/tickets/${id}/time`).type('form').send({ _csrf: token, minutes: '1:30' }).expect(303);
  expect(
    (await t.db('ticket_time_entries').where({ ticket_id: id }).orderBy('id').pluck('minutes')).map(Number),
  ).toEqual([90, 90]);

  const refused = await admin.post(`/admin/tickets/${id}/time`).type('form').send({ _csrf: token, minutes: 'soon' });
  expect(refused.status).toBe(400);
  expect(refused.text).toContain('Enter the time like 90 (minutes), 1h 30m, 1:30 or 45m.');
  const main = refused.text.slice(refused.text.indexOf('class="ticket-main"'), refused.text.indexOf('id="reply"'));
  const replyCard = refused.text.slice(
    refused.text.indexOf('id="reply"'),
    refused.text.indexOf('class="card note-box"'),
  );
  expect(main).toContain('class="error-summary"');
  expect(main).toContain('href="#time_minutes">Duration: Enter the time');
  expect(replyCard).not.toContain('error-summary');
  for (const [path, fields] of [
    ['due', { due: 'tomorrow-ish' }],
    ['links', { link: 'nope' }],
    ['escalate', { reason: 'x' }],
  ] as const) {
    const res = await admin
      .post(`/admin/tickets/${id}/${path}`)
      .type('form')
      .send({ _csrf: token, ...fields });
    expect(res.status).toBe(400);
    const card = res.text.slice(res.text.indexOf('id="reply"'), res.text.indexOf('class="card note-box"'));
    expect(card).not.toContain('error-summary');
    expect(res.text.slice(0, res.text.indexOf('id="reply"'))).toContain('class="error-summary"');
  }
  // The reply's own errors stay in the reply card.
  const empty = await admin.post(`/admin/tickets/${id}/reply`).type('form').send({ _csrf: token, message: '' });
  expect(empty.status).toBe(400);
  const card = empty.text.slice(empty.text.indexOf('id="reply"'), empty.text.indexOf('class="card note-box"'));
  expect(card).toContain('class="error-summary"');
  expect(empty.text.slice(0, empty.text.indexOf('id="reply"'))).not.toContain('class="error-summary"');
});

test('print view: the icon link like other pages, and "Unassigned" for no owner', async () => {
  const admin = await signedInAgent(t, adminCredentials);
  const { id } = await newTicket();
  await t.db('tickets').where({ id }).update({ owner_id: null });
  const res = await admin.get(`/admin/tickets/${id}/print`).expect(200);
  expect(res.text).toMatch(/<link rel="icon" href="[^"]*img\/logo\.svg[^"]*" type="image\/svg\+xml">/);
  expect(res.text).toMatch(/<dt>Owner<\/dt><dd>Unassigned<\/dd>/);
  expect(res.text).not.toContain('Nobody');
});
