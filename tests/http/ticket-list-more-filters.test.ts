import request from 'supertest';
import {
  adminCredentials,
  csrfFrom,
  staffCredentials,
  useInstalledApp,
  type InstalledApp,
} from '../helpers/installed-app';
import { openTicket } from '../helpers/portal';
import { idsIn, listFixtures } from '../helpers/staff-list';

/**
 * The staff list's results (not only its query plans) for the tier, category and named-owner
 * filters; a bulk priority change through the list's form; and a staff reply through the
 * ticket page with a file and with markup in it, as the staff, the customer and the mail see it.
 */

let t: InstalledApp;
useInstalledApp((app) => (t = app), { freshRateLimits: true });
const f = listFixtures(() => t);
let made = 0;
/** A customer's ticket; each from its own address, so the per-customer open-ticket limit never interferes. */
const ticket = (fields: Record<string, string> = {}) => f.ticket({ email: `list${++made}@example.net`, ...fields });

const priorityOf = async (id: number) =>
  String(
    (await t.db('tickets as t').join('priorities as p', 'p.id', 't.priority_id').where('t.id', id).first('p.key')).key,
  );

/** The reply form of a ticket page: its action (with the CSRF token in the URL) and the "seen" value. */
function replyForm(html: string): { action: string; seen: string } {
  const action = /<form method="post" action="([^"]+\/reply\?_csrf=[^"]+)" enctype="multipart\/form-data"/.exec(
    html,
  )?.[1];
  const seen = /name="seen" value="(\d+)"/.exec(html)?.[1];
  if (!action || !seen) throw new Error('no reply form on the page');
  return { action: action.replace(/&amp;/g, '&'), seen };
}

test('tier: the list shows exactly the tickets of the chosen tier, escalated or opened there', async () => {
  const second = await f.category('Second line', { tier: 2 });
  await t.db('categories').where({ id: 1 }).update({ escalate_to_id: second });
  const first = await ticket({ subject: 'Stays in tier one' });
  const escalated = await ticket({ subject: 'Escalated to tier two' });
  const direct = await ticket({ subject: 'Opened in tier two', category: String(second) });
  const admin = await f.staffAgent(adminCredentials);
  const token = csrfFrom((await admin.get(`/admin/tickets/${escalated.id}`).expect(200)).text);
  await admin
    .post(`/admin/tickets/${escalated.id}/escalate`)
    .type('form')
    .send({ _csrf: token, reason: 'Needs the second line' })
    .expect(303);
  expect(Number((await t.db('tickets').where({ id: escalated.id }).first('tier')).tier)).toBe(2);

  const ids = async (q: string) =>
    idsIn((await admin.get(`/admin/tickets?size=100&${q}`).expect(200)).text).sort((a, b) => a - b);
  expect(await ids('tier=2')).toEqual([escalated.id, direct.id].sort((a, b) => a - b));
  const tierOne = await ids('tier=1');
  expect(tierOne).toContain(first.id);
  expect(tierOne).not.toContain(escalated.id);
  expect(tierOne).not.toContain(direct.id);
  expect(await ids('tier=3')).toEqual([]);
  // The tier is kept in the filter form, and a bad tier is no filter (not an error).
  expect((await admin.get('/admin/tickets?tier=2').expect(200)).text).toMatch(/<option value="2"[^>]*selected/);
  expect((await ids('tier=9')).length).toBeGreaterThanOrEqual(3);
  // Combined with a search and with every status, the tier still holds.
  expect(await ids('tier=2&q=tier')).toEqual([escalated.id, direct.id].sort((a, b) => a - b));
  await t.db('categories').where({ id: 1 }).update({ escalate_to_id: null });
});

test("category: the list shows exactly the chosen category; one out of a person's reach shows nothing", async () => {
  const billing = await f.category('Billing desk');
  const inBilling = [
    await ticket({ subject: 'Invoice wrong', category: String(billing) }),
    await ticket({ subject: 'Refund please', category: String(billing) }),
  ];
  const general = await ticket({ subject: 'General question' });
  const admin = await f.staffAgent(adminCredentials);
  const ids = async (agent: request.Agent, q: string) =>
    idsIn((await agent.get(`/admin/tickets?size=100&${q}`).expect(200)).text).sort((a, b) => a - b);
  expect(await ids(admin, `category=${billing}`)).toEqual(inBilling.map((x) => x.id).sort((a, b) => a - b));
  expect(await ids(admin, 'category=1')).toContain(general.id);
  expect(await ids(admin, 'category=1')).not.toContain(inBilling[0]!.id);
  expect(await ids(admin, 'category=999999')).toEqual([]);
  // Sam works the first category only: asking for Billing by its id shows him nothing.
  await f.grant(staffCredentials.email, 1);
  const sam = await f.staffAgent(staffCredentials);
  expect(await ids(sam, `category=${billing}`)).toEqual([]);
  const samAll = await ids(sam, '');
  expect(samAll).toContain(general.id);
  for (const x of inBilling) expect(samAll).not.toContain(x.id);
});

test('owner: a named owner\'s tickets only, "me", and "unassigned"', async () => {
  await f.grant(staffCredentials.email, 1);
  const samId = await f.staffId(staffCredentials.email);
  const adminId = await f.staffId(adminCredentials.email);
  const forSam = [await ticket({ subject: 'Owner Sam one' }), await ticket({ subject: 'Owner Sam two' })];
  const forAda = await ticket({ subject: 'Owner Ada' });
  const nobody = await ticket({ subject: 'Owner nobody' });
  const admin = await f.staffAgent(adminCredentials);
  const token = csrfFrom((await admin.get('/admin/tickets').expect(200)).text);
  for (const x of forSam)
    await admin
      .post(`/admin/tickets/${x.id}/properties`)
      .type('form')
      .send({ _csrf: token, owner: String(samId) })
      .expect(303);
  await admin
    .post(`/admin/tickets/${forAda.id}/properties`)
    .type('form')
    .send({ _csrf: token, owner: String(adminId) })
    .expect(303);

  const ids = async (agent: request.Agent, q: string) =>
    idsIn((await agent.get(`/admin/tickets?size=100&${q}`).expect(200)).text).sort((a, b) => a - b);
  expect(await ids(admin, `owner=${samId}`)).toEqual(forSam.map((x) => x.id).sort((a, b) => a - b));
  expect(await ids(admin, `owner=${adminId}`)).toEqual([forAda.id]);
  expect(await ids(admin, 'owner=me')).toEqual([forAda.id]);
  const unassigned = await ids(admin, 'owner=unassigned');
  expect(unassigned).toContain(nobody.id);
  for (const x of [...forSam, forAda]) expect(unassigned).not.toContain(x.id);
  // A staff id that owns nothing: an empty list, not every ticket.
  expect(await ids(admin, 'owner=999999')).toEqual([]);
  // The owner column names the owner, and Sam sees the same list as "me".
  expect((await admin.get(`/admin/tickets?owner=${samId}&cols=tracking,owner`).expect(200)).text).toContain(
    'Sam Staff',
  );
  const sam = await f.staffAgent(staffCredentials);
  expect(await ids(sam, 'owner=me')).toEqual(forSam.map((x) => x.id).sort((a, b) => a - b));
});

test('bulk priority through the list form: every ticked ticket changes and says so in its history; unticked and out-of-reach ones do not', async () => {
  const hiddenCategory = await f.category('Bulk hidden');
  const ticked = [await ticket({ subject: 'Bulk prio one' }), await ticket({ subject: 'Bulk prio two' })];
  const unticked = await ticket({ subject: 'Bulk prio untouched' });
  const hidden = await ticket({ subject: 'Bulk prio hidden', category: String(hiddenCategory) });
  const admin = await f.staffAgent(adminCredentials);
  const list = await admin.get('/admin/tickets?size=100').expect(200);
  expect(list.text).toContain('<option value="high">');
  const token = csrfFrom(list.text);
  const res = await admin
    .post('/admin/tickets/bulk')
    .type('form')
    .send(
      `_csrf=${encodeURIComponent(token)}&action=priority&value=high&ids=${ticked[0]!.id}&ids=${ticked[1]!.id}&back=${encodeURIComponent('size=100')}`,
    )
    .expect(303);
  expect(res.headers.location).toBe('/admin/tickets?size=100&done=bulk');
  for (const x of ticked) {
    expect(await priorityOf(x.id)).toBe('high');
    expect(
      await t.db('ticket_events').where({ ticket_id: x.id, type: 'ticket.priority_changed' }).first('id'),
    ).toBeDefined();
  }
  expect(await priorityOf(unticked.id)).toBe('normal');
  // The list filtered by the new priority shows the ticked ones; the notice is shown.
  const high = await admin.get('/admin/tickets?size=100&priority=high&done=bulk').expect(200);
  expect(idsIn(high.text).sort((a, b) => a - b)).toEqual(ticked.map((x) => x.id).sort((a, b) => a - b));

  // Sam cannot see the hidden category: ticking its ticket (by id) changes nothing there.
  await f.grant(staffCredentials.email, 1);
  const sam = await f.staffAgent(staffCredentials);
  const samToken = csrfFrom((await sam.get('/admin/tickets').expect(200)).text);
  await sam
    .post('/admin/tickets/bulk')
    .type('form')
    .send(`_csrf=${encodeURIComponent(samToken)}&action=priority&value=urgent&ids=${hidden.id}&ids=${unticked.id}`)
    .expect(303);
  expect(await priorityOf(hidden.id)).toBe('normal');
  expect(await priorityOf(unticked.id)).toBe('urgent');
  // An unknown priority changes nothing and says the bulk action failed.
  const bad = await admin
    .post('/admin/tickets/bulk')
    .type('form')
    .send(`_csrf=${encodeURIComponent(token)}&action=priority&value=nonsense&ids=${ticked[0]!.id}`)
    .expect(303);
  expect(bad.headers.location).toContain('done=bulkfailed');
  expect(await priorityOf(ticked[0]!.id)).toBe('high');
});

/** Sends a file as a staff reply through the ticket page's own reply form; returns the stored attachment. */
async function replyWithFile(admin: request.Agent, id: number, uploadedName: string, content: Buffer) {
  const form = replyForm((await admin.get(`/admin/tickets/${id}`).expect(200)).text);
  expect(form.action).toMatch(new RegExp(`^/admin/tickets/${id}/reply\\?_csrf=`));
  await admin
    .post(form.action)
    .field('message', 'The report is attached.')
    .field('seen', form.seen)
    .attach('attachments', content, uploadedName)
    .expect(303);
  return t
    .db('attachments')
    .where({ ticket_id: id })
    .whereNotNull('message_id')
    .orderBy('id', 'desc')
    .first('id', 'file_name', 'message_id');
}

const rfc5987 = (name: string) =>
  encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

function downloadAs(agent: request.Agent, url: string) {
  return agent
    .get(url)
    .buffer(true)
    .parse((res, cb) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => cb(null, Buffer.concat(chunks)));
    });
}

test('a staff reply with a file through the page: the customer downloads it, its name kept but made safe and shown escaped', async () => {
  const customer = request.agent(t.app);
  const tracking = await openTicket(t, customer, { subject: 'Send me the report', email: 'report@example.net' });
  const id = Number((await t.db('tickets').where({ tracking_id: tracking }).first('id')).id);
  const admin = await f.staffAgent(adminCredentials);
  // A name with folders, markup and quotes: the folders go, the rest is kept and escaped where shown.
  const uploaded = "C:\\fakepath\\Report <img src=x onerror=alert(1)> 'Q1'.txt";
  const expected = "Report <img src=x onerror=alert(1)> 'Q1'.txt";
  const content = Buffer.from('Quarterly numbers\n1,2,3\n');
  const file = await replyWithFile(admin, id, uploaded, content);
  expect(file.file_name).toBe(expected);
  const message = await t.db('messages').where({ id: file.message_id }).first('kind', 'body');
  expect(message).toEqual({ kind: 'staff', body: 'The report is attached.' });

  const escapedName = 'Report &lt;img src=x onerror=alert(1)&gt; &#39;Q1&#39;.txt';
  const staffPage = (await admin.get(`/admin/tickets/${id}`).expect(200)).text;
  expect(staffPage).toContain(`href="/admin/tickets/${id}/attachments/${file.id}" download>${escapedName}</a>`);
  expect(staffPage).not.toContain('<img src=x');

  const customerPage = (await customer.get(`/helpdesk/tickets/${tracking}`).expect(200)).text;
  expect(customerPage).toContain('The report is attached.');
  expect(customerPage).toContain(
    `href="/helpdesk/tickets/${tracking}/attachments/${file.id}" download>${escapedName}</a>`,
  );
  expect(customerPage).not.toContain('<img src=x');

  const download = await downloadAs(customer, `/helpdesk/tickets/${tracking}/attachments/${file.id}`).expect(200);
  expect(Buffer.compare(download.body as Buffer, content)).toBe(0);
  expect(download.headers['content-type']).toBe('text/plain; charset=utf-8');
  expect(download.headers['x-content-type-options']).toBe('nosniff');
  expect(download.headers['content-disposition']).toBe(
    `attachment; filename="${expected}"; filename*=UTF-8''${rfc5987(expected)}`,
  );
  // Someone without access to the ticket is sent to prove it first, and gets no file.
  const stranger = await request.agent(t.app).get(`/helpdesk/tickets/${tracking}/attachments/${file.id}`);
  expect(stranger.status).not.toBe(200);
  expect(stranger.headers['content-disposition']).toBeUndefined();
  expect(stranger.text ?? '').not.toContain('Quarterly numbers');
});

// Browsers send a file name as UTF-8; multer (busboy) reads it as Latin-1 unless told otherwise
// (defParamCharset in src/web/middleware/multipart.ts), which stored "Účet.txt" as "ÃÄet.txt".
test('a file name outside ASCII keeps its letters, and a right-to-left override is removed', async () => {
  const tracking = await openTicket(t, request.agent(t.app), {
    subject: 'Unicode file name',
    email: 'unicode@example.net',
  });
  const id = Number((await t.db('tickets').where({ tracking_id: tracking }).first('id')).id);
  const admin = await f.staffAgent(adminCredentials);
  const slovak = await replyWithFile(admin, id, 'Účet č.1.txt', Buffer.from('a\n'));
  const disguised = await replyWithFile(admin, id, 'Invoice\u202Etxt.exe.txt', Buffer.from('b\n'));
  expect([slovak.file_name, disguised.file_name]).toEqual(['Účet č.1.txt', 'Invoicetxt.exe.txt']);
});

test('markup in a staff reply through the page is text: escaped on the staff page, the customer page and in the mail', async () => {
  const customer = request.agent(t.app);
  const tracking = await openTicket(t, customer, { subject: 'Markup check', email: 'markup@example.net' });
  const id = Number((await t.db('tickets').where({ tracking_id: tracking }).first('id')).id);
  const admin = await f.staffAgent(adminCredentials);
  const form = replyForm((await admin.get(`/admin/tickets/${id}`).expect(200)).text);
  await t.db('mail_outbox').del();
  const text =
    'Try this: <script>alert("x")</script> & <b onclick="steal()">bold</b>\nLine two <a href="javascript:alert(1)">link</a>';
  await admin.post(form.action).field('message', text).field('seen', form.seen).expect(303);
  expect((await t.db('messages').where({ ticket_id: id, kind: 'staff' }).first('body')).body).toBe(text);

  const dangerous = ['<script>alert', '<b onclick', '<a href="javascript:'];
  const escapedScript =
    '&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;b onclick=&#34;steal()&#34;&gt;bold&lt;/b&gt;';
  const staffPage = (await admin.get(`/admin/tickets/${id}`).expect(200)).text;
  for (const d of dangerous) expect(staffPage).not.toContain(d);
  expect(staffPage).toContain(escapedScript);
  const customerPage = (await customer.get(`/helpdesk/tickets/${tracking}`).expect(200)).text;
  for (const d of dangerous) expect(customerPage).not.toContain(d);
  expect(customerPage).toContain(escapedScript);

  const mail = await t
    .db('mail_outbox')
    .where({ ticket_id: id, template: 'staff_replied' })
    .first('to_address', 'body_html', 'body_text');
  expect(mail.to_address).toBe('markup@example.net');
  for (const d of dangerous) expect(mail.body_html).not.toContain(d);
  expect(mail.body_html).toContain('&lt;script&gt;');
  expect(mail.body_html).toContain('&lt;b onclick=');
  // The plain-text part carries the text as written (text/plain is not read as markup).
  expect(mail.body_text).toContain('<script>alert("x")</script> & <b onclick="steal()">bold</b>');
});
