import request from 'supertest';
import {
  adminCredentials,
  csrfFrom,
  signedInAgent,
  useInstalledApp,
  type InstalledApp,
} from '../helpers/installed-app';
import { openTicket } from '../helpers/portal';

let t: InstalledApp;
useInstalledApp((app) => (t = app), { freshRateLimits: true });

let adaId = 0;
beforeAll(async () => {
  adaId = Number((await t.db('staff_users').where({ email: adminCredentials.email }).first('id')).id);
  await t.db('staff_users').where({ id: adaId }).update({ notify_customer_reply: true, is_away: false });
});

const hidden = (html: string, name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1] ?? '';

/** A ticket owned by Ada (so a customer's reply notifies her), and the customer's agent. */
async function ownedTicket() {
  const customer = request.agent(t.app);
  const tracking = await openTicket(t, customer);
  const id = Number((await t.db('tickets').where({ tracking_id: tracking }).first('id')).id);
  await t.db('tickets').where({ id }).update({ owner_id: adaId });
  return { customer, tracking, id };
}

function customerReply(
  agent: request.Agent,
  tracking: string,
  page: string,
  message: string,
  key = hidden(page, 'submission_key'),
) {
  return agent
    .post(`/helpdesk/tickets/${tracking}/reply?_csrf=${encodeURIComponent(csrfFrom(page))}`)
    .field('submission_key', key)
    .field('message', message);
}

function staffPost(
  agent: request.Agent,
  id: number,
  page: string,
  path: 'reply' | 'note',
  fields: Record<string, string>,
) {
  let req = agent.post(`/admin/tickets/${id}/${path}?_csrf=${encodeURIComponent(csrfFrom(page))}`);
  for (const [k, v] of Object.entries(fields)) req = req.field(k, v);
  return req;
}

const messagesOf = (id: number, kind: string) =>
  t.db('messages').where({ ticket_id: id, kind }).orderBy('id').pluck('body');
const mailsOf = (id: number, template: string) => t.db('mail_outbox').where({ ticket_id: id, template }).pluck('id');

test('a customer reply sent four times at once is stored once and tells staff once; the page says it was sent each time', async () => {
  const { customer, tracking, id } = await ownedTicket();
  const page = (await customer.get(`/helpdesk/tickets/${tracking}`).expect(200)).text;
  expect(hidden(page, 'submission_key')).toMatch(/^[a-f0-9]{32}$/);
  const answers = await Promise.all(
    [1, 2, 3, 4].map(() => customerReply(customer, tracking, page, 'It is still smoking.')),
  );
  expect(answers.map((r) => r.status)).toEqual([303, 303, 303, 303]);
  expect(answers.every((r) => r.headers.location === `/helpdesk/tickets/${tracking}?done=replied#latest`)).toBe(true);
  expect(await messagesOf(id, 'customer')).toHaveLength(2);
  expect(await mailsOf(id, 'staff_customer_replied')).toHaveLength(1);
  expect(Number((await t.db('tickets').where({ id }).first('message_count')).message_count)).toBe(2);
});

test('a customer reply sent twice in a row (refresh, back and send) is stored once; a new showing of the form gets a new key', async () => {
  const { customer, tracking, id } = await ownedTicket();
  const page = (await customer.get(`/helpdesk/tickets/${tracking}`).expect(200)).text;
  await customerReply(customer, tracking, page, 'Once only').expect(303);
  await customerReply(customer, tracking, page, 'Once only').expect(303);
  expect(await messagesOf(id, 'customer')).toEqual([expect.any(String), 'Once only']);
  expect(await mailsOf(id, 'staff_customer_replied')).toHaveLength(1);
  const next = (await customer.get(`/helpdesk/tickets/${tracking}`).expect(200)).text;
  expect(hidden(next, 'submission_key')).not.toBe(hidden(page, 'submission_key'));
  await customerReply(customer, tracking, next, 'A second, different reply').expect(303);
  expect(await messagesOf(id, 'customer')).toHaveLength(3);
});

test('a refused customer reply keeps its key, so sending the corrected form stores it once', async () => {
  const { customer, tracking, id } = await ownedTicket();
  const page = (await customer.get(`/helpdesk/tickets/${tracking}`).expect(200)).text;
  const refused = await customerReply(customer, tracking, page, '   ').expect(400);
  expect(hidden(refused.text, 'submission_key')).toBe(hidden(page, 'submission_key'));
  await Promise.all([
    customerReply(customer, tracking, refused.text, 'Fixed'),
    customerReply(customer, tracking, refused.text, 'Fixed'),
  ]);
  expect(await messagesOf(id, 'customer')).toEqual([expect.any(String), 'Fixed']);
});

test('a key that is not ours in shape, or belongs to another ticket, stores the reply as new and shows nothing of the other ticket', async () => {
  const a = await ownedTicket();
  const b = await ownedTicket();
  const pageA = (await a.customer.get(`/helpdesk/tickets/${a.tracking}`).expect(200)).text;
  await customerReply(a.customer, a.tracking, pageA, 'Secret on A').expect(303);
  // Ticket B's customer sends A's key: B gets its own message, A is untouched and not revealed.
  const pageB = (await b.customer.get(`/helpdesk/tickets/${b.tracking}`).expect(200)).text;
  const res = await customerReply(b.customer, b.tracking, pageB, 'Mine on B', hidden(pageA, 'submission_key')).expect(
    303,
  );
  expect(res.headers.location).toBe(`/helpdesk/tickets/${b.tracking}?done=replied#latest`);
  expect(await messagesOf(b.id, 'customer')).toEqual([expect.any(String), 'Mine on B']);
  expect(await messagesOf(a.id, 'customer')).toEqual([expect.any(String), 'Secret on A']);
  // Junk keys are ignored (stored without a key), never an error or a query on their text.
  for (const junk of ["' OR 1=1 --", 'A'.repeat(5000), '<script>x</script>'])
    await customerReply(b.customer, b.tracking, pageB, `junk ${junk.length}`, junk).expect(303);
  const arrayKey = await b.customer
    .post(`/helpdesk/tickets/${b.tracking}/reply`)
    .type('form')
    .send(`_csrf=${encodeURIComponent(csrfFrom(pageB))}&message=arr&submission_key=a&submission_key=b`);
  expect([303, 400]).toContain(arrayKey.status);
  expect(await messagesOf(b.id, 'customer')).toHaveLength(arrayKey.status === 303 ? 6 : 5);
});

test('the same staff reply form sent twice at once stores one reply and queues one mail; the same note twice, one note', async () => {
  const { id } = await ownedTicket();
  const ada = await signedInAgent(t, adminCredentials);
  const page = (await ada.get(`/admin/tickets/${id}`).expect(200)).text;
  const replyKey = /id="reply-form"[\s\S]*?name="submission_key" value="([a-f0-9]{32})"/.exec(page)![1]!;
  const noteKey =
    /\/note\?_csrf=[^"]*"[^>]*>\s*<input type="hidden" name="_csrf"[^>]*>\s*<input type="hidden" name="submission_key" value="([a-f0-9]{32})"/.exec(
      page,
    )![1]!;
  expect(replyKey).not.toBe(noteKey);
  const reply = { message: 'Unplug it, please.', seen: hidden(page, 'seen'), submission_key: replyKey };
  const answers = await Promise.all([
    staffPost(ada, id, page, 'reply', reply),
    staffPost(ada, id, page, 'reply', reply),
  ]);
  expect(answers.map((r) => r.status)).toEqual([303, 303]);
  expect(await messagesOf(id, 'staff')).toEqual(['Unplug it, please.']);
  expect(await mailsOf(id, 'staff_replied')).toHaveLength(1);
  // Sent again later (the browser's back button): still one.
  await staffPost(ada, id, page, 'reply', reply).expect(303);
  expect(await messagesOf(id, 'staff')).toHaveLength(1);

  const note = { message: 'Checked the logs.', submission_key: noteKey };
  const notes = await Promise.all([
    staffPost(ada, id, page, 'note', note),
    staffPost(ada, id, page, 'note', note),
    staffPost(ada, id, page, 'note', note),
  ]);
  expect(notes.map((r) => r.status)).toEqual([303, 303, 303]);
  expect(await messagesOf(id, 'note')).toEqual(['Checked the logs.']);
  // The reply form's key sent with a note is not the note's repeat: the note is stored.
  await staffPost(ada, id, page, 'note', { message: 'Another note', submission_key: replyKey }).expect(303);
  expect(await messagesOf(id, 'note')).toEqual(['Checked the logs.', 'Another note']);
});

test('the "log time" form sent twice at once logs the time once; a new showing of the page logs again', async () => {
  const { id } = await ownedTicket();
  const ada = await signedInAgent(t, adminCredentials);
  const page = (await ada.get(`/admin/tickets/${id}`).expect(200)).text;
  const timeKey =
    /\/time" novalidate>\s*<input type="hidden" name="_csrf"[^>]*>\s*<input type="hidden" name="submission_key" value="([a-f0-9]{32})"/.exec(
      page,
    )![1]!;
  const log = (key: string) =>
    ada
      .post(`/admin/tickets/${id}/time`)
      .type('form')
      .send({ _csrf: csrfFrom(page), minutes: '15', note: 'Phone call', submission_key: key });
  const answers = await Promise.all([log(timeKey), log(timeKey), log(timeKey)]);
  expect(answers.map((r) => r.status)).toEqual([303, 303, 303]);
  const entries = () => t.db('ticket_time_entries').where({ ticket_id: id }).pluck('minutes');
  expect(await entries()).toEqual([15]);
  expect(
    await t
      .db('ticket_events')
      .where({ ticket_id: id, type: 'ticket.time_logged' })
      .count<{ n: number }[]>({ n: '*' })
      .then((r) => Number(r[0]!.n)),
  ).toBe(1);
  const next = (await ada.get(`/admin/tickets/${id}`).expect(200)).text;
  const nextKey =
    /\/time" novalidate>\s*<input type="hidden" name="_csrf"[^>]*>\s*<input type="hidden" name="submission_key" value="([a-f0-9]{32})"/.exec(
      next,
    )![1]!;
  expect(nextKey).not.toBe(timeKey);
  await log(nextKey).expect(303);
  expect(await entries()).toEqual([15, 15]);
});
