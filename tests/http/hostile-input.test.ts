/**
 * Input no form offers, sent to the staff pages, the portal and the API: ids that are not ids
 * or lie outside the database's integer range, NUL characters, file names in UTF-8 or with
 * direction overrides. Each must be refused as bad input (400/404) on every database, never
 * reach a query (PostgreSQL and MariaDB fail where SQLite lets such values through).
 */
import request from 'supertest';
import { apiAs, apiTokenFor, customerTicket } from '../helpers/api-client';
import {
  adminCredentials,
  csrfFrom,
  signedInAgent,
  useInstalledApp,
  type InstalledApp,
} from '../helpers/installed-app';
import { submitForm, validTicket } from '../helpers/portal';

let t: InstalledApp;
useInstalledApp((app) => (t = app), { freshRateLimits: true });

const notIds = ['abc', 'NaN', '1.5', '1e309', '-3', '2147483648', '99999999999999999999'];

test('an owner or category that is not one of the list is refused beside the field, and nothing changes', async () => {
  const { id } = await customerTicket(t);
  const admin = await signedInAgent(t, adminCredentials);
  const token = csrfFrom((await admin.get(`/admin/tickets/${id}`).expect(200)).text);
  const before = await t.db('tickets').where({ id }).first('owner_id', 'category_id');
  for (const field of ['owner', 'category']) {
    for (const value of notIds) {
      const res = await admin
        .post(`/admin/tickets/${id}/properties`)
        .type('form')
        .send({ _csrf: token, [field]: value });
      expect([field, value, res.status]).toEqual([field, value, 400]);
    }
  }
  expect(await t.db('tickets').where({ id }).first('owner_id', 'category_id')).toEqual(before);
});

test('ids out of any integer column are "not found" on every page that takes one', async () => {
  const { id } = await customerTicket(t);
  const admin = await signedInAgent(t, adminCredentials);
  const token = csrfFrom((await admin.get(`/admin/tickets/${id}`).expect(200)).text);
  for (const big of ['2147483648', '99999999999', '1e0', '0x1']) {
    await admin.get(`/admin/tickets/${big}`).expect(404);
    await admin.get(`/admin/canned/${big}`).expect(404);
    await admin.post(`/admin/canned/${big}`).type('form').send({ _csrf: token, title: 'x', body: 'y' }).expect(404);
    await admin.post(`/admin/canned/${big}/delete`).type('form').send({ _csrf: token }).expect(404);
    await admin.get(`/admin/tickets/views/${big}`).expect(404);
    await admin.get(`/admin/tickets/${id}/attachments/${big}`).expect(404);
    await admin.post(`/admin/tickets/${id}/links/${big}/delete`).type('form').send({ _csrf: token }).expect(404);
  }
  // A canned response id that cannot exist just opens the page without one.
  await admin.get(`/admin/tickets/${id}?canned=2147483648`).expect(200);
});

test('a category number beyond any id is a form error on the portal, the staff form and the API', async () => {
  const portal = await submitForm(t, request.agent(t.app), { ...validTicket, category: '2147483648' });
  expect(portal.status).toBe(400);
  const admin = await signedInAgent(t, adminCredentials);
  const page = await admin.get('/admin/tickets/new').expect(200);
  const staffForm = await admin
    .post(`/admin/tickets/new?_csrf=${encodeURIComponent(csrfFrom(page.text))}`)
    .field('name', 'Carla')
    .field('email', 'carla@example.net')
    .field('category', '2147483648')
    .field('subject', 'Phone call')
    .field('message', 'Called about the printer.');
  expect(staffForm.status).toBe(400);
  const api = apiAs(t, await apiTokenFor(t, adminCredentials.email));
  const viaApi = await api.post('/tickets', {
    name: 'Carla',
    email: 'carla@example.net',
    category: 2147483648,
    subject: 'Printer',
    message: 'Broken.',
  });
  expect(viaApi.status).toBe(400);
});

test('a NUL character anywhere in a form, a query or a JSON body is a 400 before any query', async () => {
  const { id } = await customerTicket(t);
  const admin = await signedInAgent(t, adminCredentials);
  const token = csrfFrom((await admin.get(`/admin/tickets/${id}`).expect(200)).text);
  const nul = 'open\u0000';
  await admin.post(`/admin/tickets/${id}/properties`).type('form').send({ _csrf: token, status: nul }).expect(400);
  await admin.post(`/admin/tickets/${id}/properties`).type('form').send({ _csrf: token, priority: nul }).expect(400);
  await admin.post(`/admin/tickets/${id}/tags/remove`).type('form').send({ _csrf: token, tag: nul }).expect(400);
  await admin
    .post('/admin/tickets/bulk')
    .type('form')
    .send({ _csrf: token, action: 'status', value: nul, ids: String(id) })
    .expect(400);
  await admin
    .post(`/admin/tickets/${id}/reply?_csrf=${encodeURIComponent(token)}`)
    .field('message', 'Hello')
    .field('status', nul)
    .expect(400);
  await admin.get(`/admin/tickets?tag=${encodeURIComponent(nul)}`).expect(400);
  await admin.get(`/admin/tickets?q=${encodeURIComponent(nul)}`).expect(400);
  const api = apiAs(t, await apiTokenFor(t, adminCredentials.email));
  await api.post(`/tickets/${id}/notes`, { body: `Note ${nul}` }).expect(400);
  await api.get(`/tickets?tag=${encodeURIComponent(nul)}`).expect(400);
  expect(await t.db('messages').where({ ticket_id: id }).count<{ n: number }[]>({ n: '*' })).toEqual([{ n: 1 }]);
});

test('file names arrive as typed in UTF-8, without direction overrides or invisible characters', async () => {
  const customer = request.agent(t.app);
  const res = await submitForm(t, customer, validTicket, [
    { name: 'résumé Łódź.txt', content: 'cv\n' },
    { name: 'invoice\u202Etxt.exe.txt', content: 'not a program\n' },
    { name: 'zero\u200Bwidth\u0085.txt', content: 'x\n' },
  ]);
  expect(res.status).toBe(303);
  const names = (await t.db('attachments').orderBy('id', 'desc').limit(3).pluck('file_name')).sort();
  expect(names).toEqual(['invoicetxt.exe.txt', 'résumé Łódź.txt', 'zerowidth.txt']);
});

test('pages are never stored by the browser or a proxy; static files may be', async () => {
  const admin = await signedInAgent(t, adminCredentials);
  for (const path of ['/admin', '/admin/tickets', '/admin/canned', '/helpdesk', '/helpdesk/tickets/new']) {
    expect([path, (await admin.get(path).expect(200)).headers['cache-control']]).toEqual([path, 'no-store']);
  }
  const css = await request(t.app).get('/static/css/tessera.css').expect(200);
  expect(css.headers['cache-control'] ?? '').not.toBe('no-store');
});
