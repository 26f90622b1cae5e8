import request from 'supertest';
import { addCustomerReply } from '../../src/tickets/tickets.service';
import { findTicketById } from '../../src/tickets/tickets.repo';
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

// Sam works the first category in this file, so both staff can have the same ticket open.
beforeAll(async () => {
  const sid = (await t.db('staff_users').where({ email: staffCredentials.email }).first('id')).id;
  await t.db('staff_categories').insert({ staff_id: sid, category_id: 1 });
});

const staffAgent = (creds: { email: string; password: string }) => signedInAgent(t, creds);

async function newTicket(): Promise<number> {
  const tracking = await openTicket(t, request.agent(t.app));
  return Number((await t.db('tickets').where({ tracking_id: tracking }).first('id')).id);
}

const seenOn = (html: string) => /name="seen" value="(\d+)"/.exec(html)![1]!;
const reply = (agent: request.Agent, id: number, token: string, fields: Record<string, string>) => {
  let req = agent.post(`/admin/tickets/${id}/reply?_csrf=${encodeURIComponent(token)}`);
  for (const [k, v] of Object.entries(fields)) req = req.field(k, v);
  return req;
};
const staffMessages = (id: number) =>
  t.db('messages').where({ ticket_id: id, kind: 'staff' }).orderBy('id').pluck('body');

test('drafts: saved per person per ticket, restored when the page opens, discarded once the reply is sent', async () => {
  const id = await newTicket();
  const admin = await staffAgent(adminCredentials);
  const sam = await staffAgent(staffCredentials);
  const token = csrfFrom((await admin.get(`/admin/tickets/${id}`).expect(200)).text);

  // The script's autosave: JSON answer, token in the header.
  const saved = await admin
    .post(`/admin/tickets/${id}/draft`)
    .set('Accept', 'application/json')
    .set('X-CSRF-Token', token)
    .type('form')
    .send({ message: 'Half-written <b>answer</b>' })
    .expect(200);
  expect(saved.body).toEqual({ draft: 'saved' });
  const page = await admin.get(`/admin/tickets/${id}`).expect(200);
  expect(page.text).toContain('>Half-written &lt;b&gt;answer&lt;/b&gt;</textarea>');
  expect(page.text).toContain('Your saved draft was restored.');
  expect((await sam.get(`/admin/tickets/${id}`).expect(200)).text).not.toContain('Half-written');

  // The "Save draft" button without script: a multipart form sent to the draft address.
  await admin
    .post(`/admin/tickets/${id}/draft?_csrf=${encodeURIComponent(token)}`)
    .field('message', 'Second version')
    .field('status', 'replied')
    .expect(303)
    .expect('Location', `/admin/tickets/${id}?extra=draft#reply`);
  expect((await admin.get(`/admin/tickets/${id}`)).text).toContain('>Second version</textarea>');

  // Bad input: a list, a huge text, no token.
  await admin
    .post(`/admin/tickets/${id}/draft`)
    .set('Accept', 'application/json')
    .set('X-CSRF-Token', token)
    .type('form')
    .send('message=a&message=b')
    .expect(400);
  await admin
    .post(`/admin/tickets/${id}/draft`)
    .set('Accept', 'application/json')
    .set('X-CSRF-Token', token)
    .type('form')
    .send({ message: 'x'.repeat(50_001) })
    .expect(400);
  await admin
    .post(`/admin/tickets/${id}/draft`)
    .set('Accept', 'application/json')
    .type('form')
    .send({ message: 'forged' })
    .expect(403);
  expect((await t.db('reply_drafts').where({ ticket_id: id }).first('body')).body).toBe('Second version');

  const html = (await admin.get(`/admin/tickets/${id}`)).text;
  await reply(admin, id, token, { message: 'Second version, final', status: 'replied', seen: seenOn(html) }).expect(
    303,
  );
  expect(await t.db('reply_drafts').where({ ticket_id: id }).first()).toBeUndefined();
  expect((await admin.get(`/admin/tickets/${id}`)).text).not.toContain('Your saved draft was restored.');
  // An emptied box forgets the draft.
  await admin
    .post(`/admin/tickets/${id}/draft`)
    .set('Accept', 'application/json')
    .set('X-CSRF-Token', token)
    .type('form')
    .send({ message: 'again' })
    .expect(200);
  expect(
    (
      await admin
        .post(`/admin/tickets/${id}/draft`)
        .set('Accept', 'application/json')
        .set('X-CSRF-Token', token)
        .type('form')
        .send({ message: '  ' })
        .expect(200)
    ).body,
  ).toEqual({ draft: 'cleared' });
  expect(await t.db('reply_drafts').where({ ticket_id: id }).first()).toBeUndefined();
});

test('signature: shown under the reply box, ticked by default, appended only when ticked', async () => {
  const id = await newTicket();
  await t.db('staff_users').where({ email: adminCredentials.email }).update({ signature: 'Ada Admin\nAcme <Support>' });
  try {
    const admin = await staffAgent(adminCredentials);
    const page = await admin.get(`/admin/tickets/${id}`).expect(200);
    expect(page.text).toMatch(/id="add_signature" name="add_signature" value="yes" checked/);
    expect(page.text).toContain('Ada Admin\nAcme &lt;Support&gt;</div>');
    const token = csrfFrom(page.text);
    await reply(admin, id, token, { message: 'With it.', add_signature: 'yes' }).expect(303);
    await reply(admin, id, token, { message: 'Without it.' }).expect(303);
    expect(await staffMessages(id)).toEqual(['With it.\n\nAda Admin\nAcme <Support>', 'Without it.']);
    // Sam has no signature: no box to tick.
    const sam = await staffAgent(staffCredentials);
    expect((await sam.get(`/admin/tickets/${id}`)).text).not.toContain('add_signature');
  } finally {
    await t.db('staff_users').where({ email: adminCredentials.email }).update({ signature: null });
  }
});

test('presence: each sees who else is viewing or replying; heartbeats expire after a minute', async () => {
  const id = await newTicket();
  const admin = await staffAgent(adminCredentials);
  const sam = await staffAgent(staffCredentials);
  const adminToken = csrfFrom((await admin.get(`/admin/tickets/${id}`)).text);
  const samToken = csrfFrom((await sam.get(`/admin/tickets/${id}`)).text);
  const beat = (agent: request.Agent, token: string, state: unknown) =>
    agent.post(`/admin/tickets/${id}/presence`).set('X-CSRF-Token', token).type('form').send({ state });

  expect((await beat(admin, adminToken, 'viewing').expect(200)).body).toEqual({ others: [], text: '' });
  expect((await beat(sam, samToken, 'replying').expect(200)).body.text).toBe('Ada Admin is viewing this ticket.');
  const seen = await admin.get(`/admin/tickets/${id}/presence`).expect(200);
  expect(seen.body).toEqual({
    others: [{ name: 'Sam Staff', state: 'replying' }],
    text: 'Sam Staff is writing a reply.',
  });
  expect(seen.headers['cache-control']).toBe('no-store');
  expect((await admin.get(`/admin/tickets/${id}`)).text).toContain('Sam Staff is writing a reply.');

  await beat(sam, samToken, 'dancing').expect(400);
  await beat(sam, samToken, ['viewing', 'replying']).expect(400);
  await sam.post(`/admin/tickets/${id}/presence`).type('form').send({ state: 'viewing' }).expect(403);

  t.clock.advance(61_000);
  expect((await admin.get(`/admin/tickets/${id}/presence`)).body.others).toEqual([]);
  await beat(sam, samToken, 'viewing').expect(200);
  expect((await admin.get(`/admin/tickets/${id}/presence`)).body.others).toEqual([
    { name: 'Sam Staff', state: 'viewing' },
  ]);
  // Reading changes nothing; a heartbeat clears the stale rows (Ada's, a minute old).
  expect(await t.db('ticket_presence').where({ ticket_id: id }).pluck('state')).toEqual(['viewing']);
  // "left" right after a heartbeat is the old page of a reload: the new page is still there.
  await beat(sam, samToken, 'left').expect(200);
  expect((await admin.get(`/admin/tickets/${id}/presence`)).body.others).toHaveLength(1);
  t.clock.advance(5_000);
  await beat(sam, samToken, 'left').expect(200);
  expect((await admin.get(`/admin/tickets/${id}/presence`)).body.others).toEqual([]);
});

test('collision: a reply written before a newer message is held, the message shown, the text kept, then sent on purpose', async () => {
  const id = await newTicket();
  const admin = await staffAgent(adminCredentials);
  const sam = await staffAgent(staffCredentials);
  const adminPage = (await admin.get(`/admin/tickets/${id}`)).text;
  const samPage = (await sam.get(`/admin/tickets/${id}`)).text;
  const token = csrfFrom(adminPage);

  // The customer writes again while Ada is typing.
  await addCustomerReply(t.services, (await findTicketById(t.db, id))!, {
    body: 'Also, it smells of <burning>.',
    files: [],
    ip: null,
  });
  const held = await reply(admin, id, token, {
    message: 'Please unplug it <now>.',
    status: 'waiting',
    seen: seenOn(adminPage),
  });
  expect(held.status).toBe(409);
  expect(held.text).toContain('Your reply was not sent yet');
  expect(held.text).toMatch(
    /message--customer message--new"[^>]*>\s*<div class="message__meta">\s*<strong class="message__new">New<\/strong>/,
  );
  expect(held.text).toContain('Also, it smells of &lt;burning&gt;.');
  expect(held.text).toContain('>Please unplug it &lt;now&gt;.</textarea>');
  expect(held.text).toContain('Send anyway');
  expect(held.text).toMatch(/<option value="waiting" selected>/);
  expect(await staffMessages(id)).toEqual([]);

  // "Send anyway": the re-shown form carries the newest message id, so it goes through.
  await reply(admin, id, token, {
    message: 'Please unplug it <now>.',
    status: 'waiting',
    seen: seenOn(held.text),
  }).expect(303);
  expect(await staffMessages(id)).toEqual(['Please unplug it <now>.']);

  // Sam had the page open from before both: his reply is held too, for Ada's reply.
  const samHeld = await reply(sam, id, csrfFrom(samPage), { message: 'Hello from Sam', seen: seenOn(samPage) });
  expect(samHeld.status).toBe(409);
  expect(samHeld.text).toContain('Please unplug it &lt;now&gt;.');
  expect(await staffMessages(id)).toEqual(['Please unplug it <now>.']);
  // A note from someone else is no reason to hold a reply.
  await sam
    .post(`/admin/tickets/${id}/note`)
    .type('form')
    .send({ _csrf: csrfFrom(samPage), message: 'just a note' })
    .expect(303);
  await reply(sam, id, csrfFrom(samPage), { message: 'Hello from Sam', seen: seenOn(samHeld.text) }).expect(303);
  expect(await staffMessages(id)).toEqual(['Please unplug it <now>.', 'Hello from Sam']);
});

test('concurrent replies from two staff both land, in order, with one event each', async () => {
  const id = await newTicket();
  const admin = await staffAgent(adminCredentials);
  const sam = await staffAgent(staffCredentials);
  const adminToken = csrfFrom((await admin.get(`/admin/tickets/${id}`)).text);
  const samToken = csrfFrom((await sam.get(`/admin/tickets/${id}`)).text);
  const sends = [];
  for (let i = 0; i < 4; i++) {
    sends.push(
      reply(admin, id, adminToken, { message: `Ada ${i}` }),
      reply(sam, id, samToken, { message: `Sam ${i}` }),
    );
  }
  const results = await Promise.all(sends.map((r) => r.then((res) => res.status)));
  expect(results).toEqual(Array(8).fill(303));
  const rows = await t
    .db('messages')
    .where({ ticket_id: id, kind: 'staff' })
    .orderBy('id')
    .select('id', 'body', 'created_at');
  expect(rows.map((r: { body: string }) => r.body).sort()).toEqual([
    'Ada 0',
    'Ada 1',
    'Ada 2',
    'Ada 3',
    'Sam 0',
    'Sam 1',
    'Sam 2',
    'Sam 3',
  ]);
  const times = rows.map((r: { created_at: number }) => Number(r.created_at));
  expect(times).toEqual([...times].sort((a, b) => a - b));
  expect(Number((await t.db('tickets').where({ id }).first('message_count')).message_count)).toBe(9);
  expect(
    await t
      .db('ticket_events')
      .where({ ticket_id: id, type: 'ticket.staff_replied' })
      .count<{ n: number }[]>({ n: '*' }),
  ).toEqual([{ n: 8 }]);
  const html = (await admin.get(`/admin/tickets/${id}`)).text;
  const order = rows.map((r: { body: string }) => html.indexOf(`>${r.body}</div>`));
  expect(order.every((pos: number, i: number) => pos > 0 && (i === 0 || pos > order[i - 1]!))).toBe(true);
});
