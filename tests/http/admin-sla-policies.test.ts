import request from 'supertest';
import {
  adminCredentials,
  csrfFrom,
  signIn,
  staffCredentials,
  useInstalledApp,
  type InstalledApp,
} from '../helpers/installed-app';

let t: InstalledApp;
useInstalledApp((app) => (t = app), { freshRateLimits: true });

async function admin() {
  const agent = request.agent(t.app);
  expect((await signIn(agent, adminCredentials)).status).toBe(303);
  return { agent, token: csrfFrom((await agent.get('/admin/sla/policies/new').expect(200)).text) };
}
const priorityId = async (key: string) =>
  Number((await t.db('priorities').where({ key }).first<{ id: number }>('id'))!.id);
type Row = {
  id: number;
  name: string;
  position: number;
  category_id: number | null;
  customer_domain: string | null;
  calendar_id: number | null;
  targets: string;
  is_active: boolean | number;
};
const policies = () =>
  t
    .db('sla_policies')
    .orderBy('id')
    .select<Row[]>('id', 'name', 'position', 'category_id', 'customer_domain', 'calendar_id', 'targets', 'is_active');

test('an admin sets "urgent tickets answered within 1 business hour"; the page lists it in matching order', async () => {
  const { agent, token } = await admin();
  const urgent = await priorityId('urgent');
  const low = await priorityId('low');
  await agent
    .post('/admin/sla/calendars')
    .type('form')
    .send({ _csrf: token, name: 'Office', time_zone: 'Europe/Bratislava', mon: '09:00-17:00', fri: '09:00-17:00' })
    .expect(303);
  const calendarId = Number((await t.db('sla_calendars').first<{ id: number }>('id'))!.id);
  const category = Number((await t.db('categories').first<{ id: number }>('id'))!.id);

  const form = (await agent.get('/admin/sla/policies/new').expect(200)).text;
  expect(form).toContain(`name="first_${urgent}"`);
  expect(form).toContain('The first active policy whose conditions all fit the ticket');
  await agent
    .post('/admin/sla/policies')
    .type('form')
    .send({
      _csrf: token,
      name: 'Standard <i>support</i>',
      position: '20',
      [`first_${urgent}`]: '1',
      [`next_${urgent}`]: '2:30',
      [`resolution_${urgent}`]: '8:00',
      [`first_${low}`]: '16',
      is_active: 'yes',
    })
    .expect(303);
  await agent
    .post('/admin/sla/policies')
    .type('form')
    .send({
      _csrf: token,
      name: 'Key accounts',
      position: '10',
      category: String(category),
      customer_domain: '@Key.Example',
      calendar: String(calendarId),
      [`first_${urgent}`]: '0:30',
      is_active: 'yes',
    })
    .expect(303);

  const [standard, key] = await policies();
  expect(JSON.parse(standard!.targets)).toEqual({
    [urgent]: { first: 60, next: 150, resolution: 480 },
    [low]: { first: 960 },
  });
  expect([
    standard!.position,
    standard!.category_id,
    standard!.customer_domain,
    standard!.calendar_id,
    Boolean(standard!.is_active),
  ]).toEqual([20, null, null, null, true]);
  expect([key!.category_id, key!.customer_domain, key!.calendar_id]).toEqual([category, 'key.example', calendarId]);

  const page = (await agent.get('/admin/sla').expect(200)).text;
  expect(page).toContain('Standard &lt;i&gt;support&lt;/i&gt;');
  expect(page).not.toContain('<i>support</i>');
  expect(page.indexOf('Key accounts')).toBeLessThan(page.indexOf('Standard &lt;i&gt;'));
  expect(page).toContain('First response 1:00');
  expect(page).toContain('customers at key.example');

  const edit = (await agent.get(`/admin/sla/policies/${standard!.id}`).expect(200)).text;
  expect(edit).toContain(`id="next_${urgent}" name="next_${urgent}" type="text" value="2:30"`);
  // Deleting the calendar leaves the policy counting in the category's or default calendar.
  await agent.post(`/admin/sla/calendars/${calendarId}/delete`).type('form').send({ _csrf: token }).expect(303);
  expect((await policies())[1]!.calendar_id).toBeNull();
  await agent.post(`/admin/sla/policies/${key!.id}/delete`).type('form').send({ _csrf: token }).expect(303);
  expect((await policies()).map((p) => p.id)).toEqual([standard!.id]);
  expect(await t.db('audit_log').where('action', 'like', 'sla.policy%').orderBy('id').pluck('action')).toEqual([
    'sla.policy_saved',
    'sla.policy_saved',
    'sla.policy_removed',
  ]);
});

test('bad policies are refused beside the field; made-up ids are refused; nothing is stored', async () => {
  const { agent, token } = await admin();
  const urgent = await priorityId('urgent');
  const before = await policies();
  const good = { name: 'P', position: '1', [`first_${urgent}`]: '1:00' };
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ name: '' }, 'Enter a name'],
    [{ position: '-1' }, 'Enter a whole number from 0 to 9999'],
    [{ position: '99999' }, 'Enter a whole number from 0 to 9999'],
    [{ [`first_${urgent}`]: '' }, 'Enter at least one target'],
    [{ [`first_${urgent}`]: '1:75' }, 'Enter a time like 1:30'],
    [{ [`first_${urgent}`]: '<script>alert(1)</script>' }, 'Enter a time like 1:30'],
    [{ [`resolution_${urgent}`]: '10000' }, 'Enter a time like 1:30'],
    [{ customer_domain: 'not a domain' }, 'Enter a domain like example.com'],
    [{ field: '1' }, 'Enter the value the field must have'],
    [{ category: '999999' }, 'form'],
    [{ calendar: '999999' }, 'form'],
    [{ field: '999999', field_value: 'x' }, 'form'],
    [{ category: 'abc' }, 'form'],
    [{ is_active: 'sure' }, 'form'],
  ];
  for (const [body, message] of cases) {
    const res = await agent
      .post('/admin/sla/policies')
      .type('form')
      .send({ _csrf: token, ...good, ...body });
    expect([body, res.status]).toEqual([body, 400]);
    expect(res.text).toContain(message);
    expect(res.text).toContain('href="#');
    expect(res.text).not.toContain('<script>alert(1)</script>');
  }
  const arrays = await agent
    .post('/admin/sla/policies')
    .type('form')
    .send(`_csrf=${encodeURIComponent(token)}&name=P&position=1&first_${urgent}=1&first_${urgent}=2`);
  expect(arrays.status).toBe(400);
  await agent.post('/admin/sla/policies').type('form').send(good).expect(403);
  await agent.get('/admin/sla/policies/999999').expect(404);
  await agent
    .post('/admin/sla/policies/999999')
    .type('form')
    .send({ _csrf: token, ...good })
    .expect(404);
  await agent.post('/admin/sla/policies/abc/delete').type('form').send({ _csrf: token }).expect(404);
  expect(await policies()).toEqual(before);

  const sam = request.agent(t.app);
  await signIn(sam, staffCredentials);
  await sam.get('/admin/sla/policies/new').expect(403);
  const samToken = csrfFrom((await sam.get('/admin').expect(200)).text);
  await sam
    .post('/admin/sla/policies')
    .type('form')
    .send({ _csrf: samToken, ...good })
    .expect(403);
  expect(await policies()).toEqual(before);
});
