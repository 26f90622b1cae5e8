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
  return { agent, token: csrfFrom((await agent.get('/admin/sla/calendars/new').expect(200)).text) };
}

const office = {
  name: 'Office <b>Bratislava</b>',
  time_zone: 'Europe/Bratislava',
  mon: '09:00-12:00, 13:00-17:00',
  tue: '09:00-17:00',
  wed: '09:00-17:00',
  thu: '09:00-17:00',
  fri: '09:00-17:00',
  sat: '',
  sun: '',
  holidays: '12-24 Christmas Eve\n2027-04-06',
};

type Row = {
  id: number;
  name: string;
  time_zone: string;
  week: string;
  holidays: string;
  is_default: boolean | number;
};
const calendars = () =>
  t.db('sla_calendars').orderBy('id').select<Row[]>('id', 'name', 'time_zone', 'week', 'holidays', 'is_default');

test('an admin sets up a calendar: week schedule, zone, holidays, default, categories; audited and escaped', async () => {
  const { agent, token } = await admin();
  const form = (await agent.get('/admin/sla/calendars/new').expect(200)).text;
  expect(form).toContain('value="09:00-17:00"'); // a new calendar starts as office hours
  const category = await t.db('categories').first<{ id: number }>('id');
  await agent
    .post('/admin/sla/calendars')
    .type('form')
    .send({ _csrf: token, ...office, categories: String(category!.id) })
    .expect(303);

  const [row] = await calendars();
  expect(row!.name).toBe('Office <b>Bratislava</b>');
  expect(row!.time_zone).toBe('Europe/Bratislava');
  expect(Boolean(row!.is_default)).toBe(true); // the first calendar is the default even unticked
  const week = JSON.parse(row!.week) as Array<Array<{ start: number; end: number }>>;
  expect(week[1]).toEqual([
    { start: 540, end: 720 },
    { start: 780, end: 1020 },
  ]);
  expect(week[0]).toEqual([]);
  expect(JSON.parse(row!.holidays)).toEqual([
    { date: '2000-12-24', yearly: true },
    { date: '2027-04-06', yearly: false },
  ]);
  expect(await t.db('sla_calendar_categories').select('category_id', 'calendar_id')).toEqual([
    { category_id: category!.id, calendar_id: row!.id },
  ]);

  const list = (await agent.get('/admin/sla').expect(200)).text;
  expect(list).toContain('Office &lt;b&gt;Bratislava&lt;/b&gt;');
  expect(list).not.toContain('<b>Bratislava</b>');
  const edit = (await agent.get(`/admin/sla/calendars/${row!.id}`).expect(200)).text;
  expect(edit).toContain('value="09:00-12:00, 13:00-17:00"');
  expect(edit).toContain('12-24\n2027-04-06');

  // A second calendar made the default takes it from the first and takes the category over.
  await agent
    .post('/admin/sla/calendars')
    .type('form')
    .send({
      _csrf: token,
      ...office,
      name: 'Around the clock',
      time_zone: 'America/New_York',
      sat: '00:00-24:00',
      sun: '00:00-24:00',
      is_default: 'yes',
      categories: String(category!.id),
    })
    .expect(303);
  const [first, second] = await calendars();
  expect([Boolean(first!.is_default), Boolean(second!.is_default)]).toEqual([false, true]);
  expect(await t.db('sla_calendar_categories').pluck('calendar_id')).toEqual([second!.id]);

  // The default cannot go while another calendar exists; the other one can.
  const refused = await agent.post(`/admin/sla/calendars/${second!.id}/delete`).type('form').send({ _csrf: token });
  expect(refused.status).toBe(400);
  expect(refused.text).toContain('Make another calendar the default before you delete this one');
  await agent.post(`/admin/sla/calendars/${first!.id}/delete`).type('form').send({ _csrf: token }).expect(303);
  expect((await calendars()).map((c) => c.id)).toEqual([second!.id]);

  const actions = await t.db('audit_log').where('action', 'like', 'sla.%').orderBy('id').pluck('action');
  expect(actions).toEqual(['sla.calendar_saved', 'sla.calendar_saved', 'sla.calendar_removed']);
  expect((await agent.get('/admin/audit').expect(200)).text).toContain('SLA calendar saved');
});

test('bad calendars are refused beside the field and nothing is stored', async () => {
  const { agent, token } = await admin();
  const before = await calendars();
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ name: '   ' }, 'Enter a name'],
    [{ name: 'x'.repeat(101) }, 'Use 100 characters or fewer'],
    [{ time_zone: 'Mars/Olympus' }, 'Choose a time zone from the list'],
    [{ time_zone: '' }, 'Choose a time zone from the list'],
    [{ mon: '17:00-09:00' }, 'Enter times like 09:00-17:00'],
    [{ mon: '09:00-12:00, 11:00-13:00' }, 'Enter times like 09:00-17:00'],
    [{ mon: '25:00-26:00' }, 'Enter times like 09:00-17:00'],
    [{ mon: '<script>alert(1)</script>' }, 'Enter times like 09:00-17:00'],
    [{ mon: '', tue: '', wed: '', thu: '', fri: '' }, 'Enter the opening hours of at least one day'],
    [{ holidays: '2026-02-30' }, 'Enter each holiday as 2026-04-06'],
    [{ holidays: 'tomorrow' }, 'Enter each holiday as 2026-04-06'],
    [{ holidays: '01-01\n'.repeat(501) }, 'Enter at most 500 holidays'],
    [{ is_default: 'maybe' }, 'form'],
    [{ categories: '999999' }, 'form'],
    [{ categories: 'abc' }, 'form'],
  ];
  for (const [body, message] of cases) {
    const res = await agent
      .post('/admin/sla/calendars')
      .type('form')
      .send({ _csrf: token, ...office, ...body });
    expect([body, res.status]).toEqual([body, 400]);
    expect(res.text).toContain(message);
    expect(res.text).toContain('href="#');
    expect(res.text).not.toContain('<script>alert(1)</script>');
  }
  // A field sent twice (an array where text belongs) is a form error, not a crash.
  const arrays = await agent
    .post('/admin/sla/calendars')
    .type('form')
    .send(`_csrf=${encodeURIComponent(token)}&name=A&name=B&time_zone=UTC&mon=09:00-17:00`);
  expect(arrays.status).toBe(400);
  expect(await calendars()).toEqual(before);

  await agent
    .post('/admin/sla/calendars')
    .type('form')
    .send({ ...office })
    .expect(403);
  await agent.get('/admin/sla/calendars/999999').expect(404);
  await agent.get('/admin/sla/calendars/abc').expect(404);
  await agent
    .post('/admin/sla/calendars/99999999999')
    .type('form')
    .send({ _csrf: token, ...office })
    .expect(404);
  await agent.post('/admin/sla/calendars/999999/delete').type('form').send({ _csrf: token }).expect(404);
  expect(await calendars()).toEqual(before);
});

test('staff without the capability see neither the area nor the pages', async () => {
  const before = await calendars();
  const sam = request.agent(t.app);
  await signIn(sam, staffCredentials);
  await sam.get('/admin/sla').expect(403);
  await sam.get('/admin/sla/calendars/new').expect(403);
  const token = csrfFrom((await sam.get('/admin').expect(200)).text);
  await sam
    .post('/admin/sla/calendars')
    .type('form')
    .send({ _csrf: token, ...office })
    .expect(403);
  expect(await calendars()).toEqual(before);
  expect((await sam.get('/admin/manage').expect(200)).text).not.toContain('/admin/sla');
});
