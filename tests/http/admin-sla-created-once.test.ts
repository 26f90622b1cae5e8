import request from 'supertest';
import { adminCredentials, csrfFrom, signIn, useInstalledApp, type InstalledApp } from '../helpers/installed-app';

let t: InstalledApp;
useInstalledApp((app) => (t = app), { freshRateLimits: true });

const hidden = (html: string, name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1] ?? '';
const week = {
  time_zone: 'Europe/Bratislava',
  mon: '09:00-17:00',
  tue: '09:00-17:00',
  wed: '09:00-17:00',
  thu: '09:00-17:00',
  fri: '09:00-17:00',
};

async function admin() {
  const agent = request.agent(t.app);
  expect((await signIn(agent, adminCredentials)).status).toBe(303);
  return agent;
}
const count = async (table: 'sla_calendars' | 'sla_policies', name: string) =>
  (await t.db(table).where({ name }).select('id')).length;

test('a calendar form sent twice (double click, two sends at once, a refresh) creates one calendar', async () => {
  const agent = await admin();
  const form = (await agent.get('/admin/sla/calendars/new').expect(200)).text;
  const key = hidden(form, 'submission_key');
  expect(key).toMatch(/^[a-f0-9]{32}$/);
  const send = () =>
    agent
      .post('/admin/sla/calendars')
      .type('form')
      .send({ _csrf: csrfFrom(form), submission_key: key, name: 'Once', ...week });
  const [a, b] = await Promise.all([send(), send()]);
  expect([a.status, b.status]).toEqual([303, 303]);
  expect((await send()).headers.location).toBe('/admin/sla?done=calendarSaved');
  expect(await count('sla_calendars', 'Once')).toBe(1);
  // A new showing of the form draws a new key: that is a second calendar on purpose.
  const again = (await agent.get('/admin/sla/calendars/new').expect(200)).text;
  expect(hidden(again, 'submission_key')).not.toBe(key);
  await agent
    .post('/admin/sla/calendars')
    .type('form')
    .send({ _csrf: csrfFrom(again), submission_key: hidden(again, 'submission_key'), name: 'Once', ...week })
    .expect(303);
  expect(await count('sla_calendars', 'Once')).toBe(2);
  // The edit form carries no key (an edit is idempotent by itself).
  const id = Number((await t.db('sla_calendars').where({ name: 'Once' }).first<{ id: number }>('id'))!.id);
  expect((await agent.get(`/admin/sla/calendars/${id}`).expect(200)).text).not.toContain('name="submission_key"');
});

test('a refused calendar comes back with the same key, so the corrected send creates it once', async () => {
  const agent = await admin();
  const form = (await agent.get('/admin/sla/calendars/new').expect(200)).text;
  const key = hidden(form, 'submission_key');
  const refused = await agent
    .post('/admin/sla/calendars')
    .type('form')
    .send({ _csrf: csrfFrom(form), submission_key: key, name: 'Fixed', ...week, mon: '25:00-26:00' })
    .expect(400);
  expect(hidden(refused.text, 'submission_key')).toBe(key);
  await agent
    .post('/admin/sla/calendars')
    .type('form')
    .send({ _csrf: csrfFrom(form), submission_key: key, name: 'Fixed', ...week })
    .expect(303);
  expect(await count('sla_calendars', 'Fixed')).toBe(1);
});

test('a policy form sent twice creates one policy; odd keys (wrong shape, a list, markup) are not trusted and not an error', async () => {
  const agent = await admin();
  const urgent = Number((await t.db('priorities').where({ key: 'urgent' }).first<{ id: number }>('id'))!.id);
  const form = (await agent.get('/admin/sla/policies/new').expect(200)).text;
  const key = hidden(form, 'submission_key');
  const policy = {
    _csrf: csrfFrom(form),
    name: 'Urgent once',
    position: '5',
    [`first_${urgent}`]: '1:00',
    is_active: 'yes',
  };
  const results = await Promise.all(
    [1, 2, 3].map(() =>
      agent
        .post('/admin/sla/policies')
        .type('form')
        .send({ ...policy, submission_key: key }),
    ),
  );
  expect(results.map((r) => r.status)).toEqual([303, 303, 303]);
  expect(await count('sla_policies', 'Urgent once')).toBe(1);

  for (const odd of ['short', '<script>alert(1)</script>', 'A'.repeat(5000)]) {
    await agent
      .post('/admin/sla/policies')
      .type('form')
      .send({ ...policy, name: 'Odd key', submission_key: odd })
      .expect(303);
  }
  await agent
    .post('/admin/sla/policies')
    .type('form')
    .send(
      `_csrf=${encodeURIComponent(csrfFrom(form))}&name=Odd+key&position=5&first_${urgent}=1%3A00&is_active=yes&submission_key=${key}&submission_key=${key}`,
    )
    .expect(303);
  expect(await count('sla_policies', 'Odd key')).toBe(4);
  expect(await t.db('sla_policies').where({ name: 'Odd key' }).whereNotNull('submission_key').select('id')).toEqual([]);
  // Without the CSRF token nothing is created, key or not.
  await agent
    .post('/admin/sla/policies')
    .type('form')
    .send({
      ...policy,
      _csrf: '',
      name: 'No token',
      submission_key: hidden((await agent.get('/admin/sla/policies/new')).text, 'submission_key'),
    })
    .expect(403);
  expect(await count('sla_policies', 'No token')).toBe(0);
});
