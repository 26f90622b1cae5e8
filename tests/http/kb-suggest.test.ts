import request from 'supertest';
import { kbSessionOf as sessionOf, seedSmallKb } from '../helpers/kb-fixtures';
import { adminAgent } from '../helpers/staff-admin';
import { useInstalledApp, type InstalledApp } from '../helpers/installed-app';
import { openTicket } from '../helpers/portal';

let t: InstalledApp;
let kb: Awaited<ReturnType<typeof seedSmallKb>>;
useInstalledApp((app) => (t = app), { freshRateLimits: true });
beforeAll(async () => {
  kb = await seedSmallKb(t.db);
});

test('the ticket form offers matching published articles as JSON; drafts never; hostile input is words; odd input refused', async () => {
  const form = await request(t.app).get('/helpdesk/tickets/new').expect(200);
  expect(form.text).toContain('id="kb-suggest"');
  expect(form.text).toContain('js/kb-suggest.js');
  expect(form.text).toContain('href="/helpdesk/kb"');
  const found = await request(t.app).get('/helpdesk/kb/suggest').query({ q: 'forgot my passw' }).expect(200);
  expect(found.headers['content-type']).toMatch(/application\/json/);
  expect(found.body.articles[0]).toEqual({
    title: 'Reset your password',
    href: `/helpdesk/kb/${kb.articles.reset}-reset-your-password?ref=suggest`,
  });
  const drafts = (await request(t.app).get('/helpdesk/kb/suggest').query({ q: 'upcoming price change' }).expect(200))
    .body.articles as Array<{ title: string }>;
  expect(drafts.map((a) => a.title)).not.toContain('Upcoming price change');
  expect((await request(t.app).get('/helpdesk/kb/suggest').query({ q: 'upcoming' }).expect(200)).body.articles).toEqual(
    [],
  );
  for (const q of [`' OR 1=1 --`, '"unbalanced', '+a -b *c', '<script>'])
    await request(t.app).get('/helpdesk/kb/suggest').query({ q }).expect(200);
  await request(t.app).get('/helpdesk/kb/suggest?q=a&q=b').expect(400);
  expect(Number((await t.db('kb_searches').count({ n: '*' }).first())!.n)).toBe(0);
});

test('deflection: a visitor shown suggestions who opens one and leaves is counted; one who submits anyway is not', async () => {
  const leaver = request.agent(t.app);
  const s = sessionOf((await leaver.get('/helpdesk/tickets/new').expect(200)).text);
  const { articles } = (await leaver.get('/helpdesk/kb/suggest').query({ q: 'invoice pdf', s }).expect(200)).body as {
    articles: Array<{ href: string }>;
  };
  await leaver.get(articles[0]!.href).expect(200);

  const submitter = request.agent(t.app);
  const s2 = sessionOf((await submitter.get('/helpdesk/tickets/new').expect(200)).text);
  const more = (await submitter.get('/helpdesk/kb/suggest').query({ q: 'password', s: s2 }).expect(200)).body as {
    articles: Array<{ href: string }>;
  };
  await submitter.get(more.articles[0]!.href).expect(200);
  await openTicket(t, submitter, { subject: 'Password reset did not arrive' });

  const rows = await t.db('kb_suggestion_sessions').select('opened_at', 'submitted_at');
  expect(rows).toHaveLength(2);
  const admin = await adminAgent(t);
  expect((await admin.get('/admin/kb').expect(200)).text).toContain(
    '1 of 2 visitors shown suggestions opened one and did not submit a ticket',
  );
});

test('switched off, the form shows no suggestions and the endpoint is not there', async () => {
  await t.services.settings.save({ 'kb.suggestOnSubmit': false });
  try {
    expect((await request(t.app).get('/helpdesk/tickets/new').expect(200)).text).not.toContain('kb-suggest');
    await request(t.app).get('/helpdesk/kb/suggest?q=password').expect(404);
  } finally {
    await t.services.settings.save({ 'kb.suggestOnSubmit': true });
  }
});
