import request from 'supertest';
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

async function admin() {
  const agent = request.agent(t.app);
  expect((await signIn(agent, adminCredentials)).status).toBe(303);
  return { agent, token: csrfFrom((await agent.get('/admin').expect(200)).text) };
}

/** A ticket owned by the admin and resolved by a staff reply; the resolution mail's first rating link. */
async function resolvedTicket(subject: string) {
  const customer = request.agent(t.app);
  const tracking = await openTicket(t, customer, { subject });
  const id = Number((await t.db('tickets').where({ tracking_id: tracking }).first<{ id: number }>('id'))!.id);
  const { agent, token } = await admin();
  const adminId = Number(
    (await t.db('staff_users').where({ email: adminCredentials.email }).first<{ id: number }>('id'))!.id,
  );
  await agent
    .post(`/admin/tickets/${id}/properties`)
    .type('form')
    .send({ _csrf: token, owner: String(adminId) })
    .expect(303);
  await agent
    .post(`/admin/tickets/${id}/reply?_csrf=${encodeURIComponent(token)}`)
    .field('message', 'Fixed.')
    .field('status', 'resolved')
    .expect(303);
  const mail = await t
    .db('mail_outbox')
    .where({ template: 'ticket_resolved', ticket_id: id })
    .first<{ body_text: string }>('body_text');
  const link = /(https?:\/\/\S+rate=4#satisfaction)/.exec(mail!.body_text)![1]!;
  return { customer, tracking, id, link: link.slice(link.indexOf('/helpdesk')) };
}

test('the resolution mail rates in one click; the survey is answered once, a second answer is refused; staff and the figures page show it', async () => {
  const { tracking, id, link } = await resolvedTicket('Rate me');
  // Opened from the mail (a fresh browser): the chosen rating is ticked, nothing is stored by the GET.
  const browser = request.agent(t.app);
  const page = (await browser.get(link).expect(200)).text;
  expect(page).toContain('How did we do?');
  expect(page).toMatch(/value="4" checked/);
  expect(await t.db('csat_ratings').where({ ticket_id: id }).first()).toBeUndefined();
  const token = csrfFrom(page);
  const res = await browser
    .post(`/helpdesk/tickets/${tracking}/satisfaction`)
    .type('form')
    .send({ _csrf: token, rating: '4', comment: 'Quick <b>and</b> kind.' })
    .expect(303);
  expect(res.headers.location).toBe(`/helpdesk/tickets/${tracking}?done=satisfaction#satisfaction`);
  const after = (await browser.get(`/helpdesk/tickets/${tracking}`).expect(200)).text;
  expect(after).toContain('You rated this answer 4 of 5.');
  expect(after).not.toContain('id="satisfaction-title"');
  // A second answer (another tab) is refused and changes nothing.
  await browser
    .post(`/helpdesk/tickets/${tracking}/satisfaction`)
    .type('form')
    .send({ _csrf: token, rating: '1' })
    .expect(409);
  expect(await t.db('csat_ratings').where({ ticket_id: id }).select('rating')).toEqual([{ rating: 4 }]);

  const { agent } = await admin();
  const staffPage = (await agent.get(`/admin/tickets/${id}`).expect(200)).text;
  expect(staffPage).toContain('Customer satisfaction');
  expect(staffPage).toContain('4 of 5');
  expect(staffPage).toContain('Quick &lt;b&gt;and&lt;/b&gt; kind.');
  const figures = (await agent.get('/admin/sla/satisfaction').expect(200)).text;
  expect(figures).toContain(adminCredentials.name);
  expect(figures).toContain('4.00');

  // Reopened and resolved again: a new resolution asks again.
  await t
    .db('tickets')
    .where({ id })
    .update({ resolved_at: t.clock.now() + 1000 });
  const again = (await browser.get(`/helpdesk/tickets/${tracking}`).expect(200)).text;
  expect(again).toContain('id="satisfaction-title"');
  // Two tabs answering at once: one answer is kept, the other refused.
  const both = await Promise.all(
    ['5', '2'].map((rating) =>
      browser
        .post(`/helpdesk/tickets/${tracking}/satisfaction`)
        .type('form')
        .send({ _csrf: csrfFrom(again), rating }),
    ),
  );
  expect(both.map((r) => r.status).sort()).toEqual([303, 409]);
  expect(
    await t
      .db('csat_ratings')
      .where({ ticket_id: id })
      .count<Array<{ n: number }>>({ n: '*' })
      .then((r) => Number(r[0]!.n)),
  ).toBe(2);
});

test("bad answers are refused: open tickets, other ratings, arrays, long comments, no CSRF token, other people's tickets; staff without sla.manage see no figures", async () => {
  const { customer, tracking, id } = await resolvedTicket('Bad input');
  const token = csrfFrom((await customer.get(`/helpdesk/tickets/${tracking}`).expect(200)).text);
  const post = (body: Record<string, unknown>) =>
    customer
      .post(`/helpdesk/tickets/${tracking}/satisfaction`)
      .type('form')
      .send({ _csrf: token, ...body });
  let res = await post({ rating: '6' }).expect(400);
  expect(res.text).toContain('Choose a rating from 1 to 5');
  await post({ rating: '' }).expect(400);
  await post({ rating: ['4', '5'] }).expect(400);
  res = await post({ rating: '3', comment: 'x'.repeat(2001) }).expect(400);
  expect(res.text).toContain('Use 2000 characters or fewer');
  await customer.post(`/helpdesk/tickets/${tracking}/satisfaction`).type('form').send({ rating: '3' }).expect(403);
  const stranger = request.agent(t.app);
  const strangerToken = csrfFrom((await stranger.get('/helpdesk/tickets')).text);
  await stranger
    .post(`/helpdesk/tickets/${tracking}/satisfaction`)
    .type('form')
    .send({ _csrf: strangerToken, rating: '5' })
    .expect(404);
  expect(await t.db('csat_ratings').where({ ticket_id: id }).first()).toBeUndefined();

  const open = await openTicket(t, customer, { subject: 'Still open' });
  const openToken = csrfFrom((await customer.get(`/helpdesk/tickets/${open}`).expect(200)).text);
  await customer
    .post(`/helpdesk/tickets/${open}/satisfaction`)
    .type('form')
    .send({ _csrf: openToken, rating: '5' })
    .expect(409);

  const sam = request.agent(t.app);
  await signIn(sam, staffCredentials);
  expect([403, 404]).toContain((await sam.get('/admin/sla/satisfaction')).status);
});

test('a resolution the customer makes asks nothing and a rating is refused; moving between closed statuses keeps the survey answered; the rating goes to the resolver, not the owner at rating time', async () => {
  const { customer, tracking, id } = await resolvedTicket('Who resolved it');
  const adminId = Number(
    (await t.db('staff_users').where({ email: adminCredentials.email }).first<{ id: number }>('id'))!.id,
  );
  const samId = Number(
    (await t.db('staff_users').where({ email: staffCredentials.email }).first<{ id: number }>('id'))!.id,
  );
  // Handed to someone else after the admin resolved it: the rating still goes to the admin.
  await t.db('tickets').where({ id }).update({ owner_id: samId });
  const page = async () => (await customer.get(`/helpdesk/tickets/${tracking}`).expect(200)).text;
  let token = csrfFrom(await page());
  await customer
    .post(`/helpdesk/tickets/${tracking}/satisfaction`)
    .type('form')
    .send({ _csrf: token, rating: '2' })
    .expect(303);
  expect(await t.db('csat_ratings').where({ ticket_id: id }).select('rating', 'staff_id')).toEqual([
    { rating: 2, staff_id: adminId },
  ]);

  // A second closed status the customer may pick: the resolution (and its answered survey) stays.
  await t.db('statuses').where({ key: 'closed' }).update({ customer_settable: true });
  try {
    await customer
      .post(`/helpdesk/tickets/${tracking}/status`)
      .type('form')
      .send({ _csrf: token, action: 'choose', status: 'closed' })
      .expect(303);
    let text = await page();
    expect(text).not.toContain('id="satisfaction-title"');
    await customer
      .post(`/helpdesk/tickets/${tracking}/satisfaction`)
      .type('form')
      .send({ _csrf: token, rating: '5' })
      .expect(409);

    // Reopen and resolve it themselves: no new survey, a rating is refused.
    await customer
      .post(`/helpdesk/tickets/${tracking}/status`)
      .type('form')
      .send({ _csrf: token, action: 'reopen' })
      .expect(303);
    t.clock.advance(1000);
    await customer
      .post(`/helpdesk/tickets/${tracking}/status`)
      .type('form')
      .send({ _csrf: token, action: 'resolve' })
      .expect(303);
    text = await page();
    expect(text).not.toContain('id="satisfaction-title"');
    token = csrfFrom(text);
    await customer
      .post(`/helpdesk/tickets/${tracking}/satisfaction`)
      .type('form')
      .send({ _csrf: token, rating: '5' })
      .expect(409);
    // Reopen and close through the other closed status: the same.
    await customer
      .post(`/helpdesk/tickets/${tracking}/status`)
      .type('form')
      .send({ _csrf: token, action: 'reopen' })
      .expect(303);
    t.clock.advance(1000);
    await customer
      .post(`/helpdesk/tickets/${tracking}/status`)
      .type('form')
      .send({ _csrf: token, action: 'choose', status: 'closed' })
      .expect(303);
    expect(await page()).not.toContain('id="satisfaction-title"');
    await customer
      .post(`/helpdesk/tickets/${tracking}/satisfaction`)
      .type('form')
      .send({ _csrf: token, rating: '5' })
      .expect(409);
    expect(await t.db('csat_ratings').where({ ticket_id: id }).select('rating')).toEqual([{ rating: 2 }]);
  } finally {
    await t.db('statuses').where({ key: 'closed' }).update({ customer_settable: false });
  }
});
