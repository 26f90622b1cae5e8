import request from 'supertest';
import { csrfFrom, signIn, staffCredentials, useInstalledApp, type InstalledApp } from '../helpers/installed-app';
import { adminAgent, tokenOf } from '../helpers/staff-admin';

let t: InstalledApp;
useInstalledApp((app) => (t = app), { freshRateLimits: true });

const articleNamed = async (title: string) =>
  (await t.db('kb_article_versions').where({ title }).first('article_id'))?.article_id as number | undefined;

test('staff with kb.manage write categories and articles; customers see them once published; every change is audited', async () => {
  const admin = await adminAgent(t);
  let token = await tokenOf(admin, '/admin/kb');
  await admin
    .post('/admin/kb/categories')
    .type('form')
    .send({ _csrf: token, name: 'Setup <b>guide</b>', position: '1' })
    .expect(303);
  const top = Number((await t.db('kb_categories').where({ name: 'Setup <b>guide</b>' }).first('id')).id);
  await admin
    .post('/admin/kb/categories')
    .type('form')
    .send({ _csrf: token, name: 'Printers', parent: String(top) })
    .expect(303);
  const child = Number((await t.db('kb_categories').where({ name: 'Printers' }).first('id')).id);
  const list = await admin.get('/admin/kb').expect(200);
  expect(list.text).toContain('Setup &lt;b&gt;guide&lt;/b&gt; › Printers');

  // A category cannot move under itself or its own child; bad input is a 400 with the field named.
  const loop = await admin
    .post(`/admin/kb/categories/${top}`)
    .type('form')
    .send({ _csrf: token, name: 'Setup', parent: String(child) });
  expect(loop.status).toBe(400);
  expect(loop.text).toContain('href="#parent"');
  for (const bad of [
    { name: '' },
    { name: ['a', 'b'] },
    { name: 'x'.repeat(121) },
    { name: 'ok', parent: '999999' },
    { name: 'ok', position: 'abc' },
    { name: 'a\u0001b' },
  ]) {
    await admin
      .post('/admin/kb/categories')
      .type('form')
      .send({ _csrf: token, ...bad })
      .expect(400);
  }

  // Preview renders and saves nothing; then the article is saved as a draft.
  const form = {
    _csrf: token,
    category: String(child),
    status: 'draft',
    position: '0',
    language: 'en',
    title: 'Printer <script>alert(1)</script> offline',
    keywords: 'paper jam',
    body: '## Check\n\n<script>alert(2)</script> **Turn it off** and on. [x](javascript:alert(3))',
  };
  const preview = await admin
    .post('/admin/kb/articles')
    .type('form')
    .send({ ...form, intent: 'preview' })
    .expect(200);
  expect(preview.text).toContain('<h2>Check</h2>');
  expect(preview.text).toContain('<strong>Turn it off</strong>');
  expect(preview.text).not.toMatch(/<script>alert|href="javascript:/);
  expect(await articleNamed(form.title)).toBeUndefined();
  const saved = await admin
    .post('/admin/kb/articles')
    .type('form')
    .send({ ...form, intent: 'save' })
    .expect(303);
  const id = (await articleNamed(form.title))!;
  expect(saved.headers.location).toBe(`/admin/kb/articles/${id}?lang=en&done=saved`);
  const editor = await admin.get(`/admin/kb/articles/${id}`).expect(200);
  expect(editor.text).toContain('value="Printer &lt;script&gt;alert(1)&lt;/script&gt; offline"');

  // A draft is not for customers; published, it is; a Russian version is added beside the English one.
  await request(t.app).get(`/helpdesk/kb/${id}`).expect(404);
  expect((await request(t.app).get('/helpdesk/kb/search?q=paper').expect(200)).text).toContain('0 articles found');
  token = await tokenOf(admin, `/admin/kb/articles/${id}`);
  await admin
    .post(`/admin/kb/articles/${id}`)
    .type('form')
    .send({ ...form, _csrf: token, status: 'published', pinned: 'yes', intent: 'save' })
    .expect(303);
  await admin
    .post(`/admin/kb/articles/${id}`)
    .type('form')
    .send({
      ...form,
      _csrf: token,
      status: 'published',
      pinned: 'yes',
      language: 'ru',
      title: 'Принтер не в сети',
      keywords: 'бумага',
      body: 'Выключите и включите.',
      intent: 'save',
    })
    .expect(303);
  const moved = await request(t.app).get(`/helpdesk/kb/${id}`).expect(301);
  expect(moved.headers.location).toBe(`/helpdesk/kb/${id}-printer-script-alert-1-script-offline`);
  const address = String(moved.headers.location);
  const page = await request(t.app).get(address).expect(200);
  expect(page.text).toContain('<strong>Turn it off</strong>');
  expect(page.text).not.toMatch(/<script>alert|href="javascript:/);
  expect((await request(t.app).get('/helpdesk/kb/search?q=paper').expect(200)).text).toContain('1 article found');
  expect(
    (
      await request(t.app)
        .get(`/helpdesk/kb/${id}-${encodeURIComponent('принтер-не-в-сети')}?lang=ru`)
        .expect(200)
    ).text,
  ).toContain('Принтер не в сети');

  // Private: gone for customers again. Staff-only category: the same.
  await admin
    .post(`/admin/kb/articles/${id}`)
    .type('form')
    .send({ ...form, _csrf: token, status: 'private', intent: 'save' })
    .expect(303);
  await request(t.app).get(address).expect(404);
  await admin
    .post(`/admin/kb/articles/${id}`)
    .type('form')
    .send({ ...form, _csrf: token, status: 'published', intent: 'save' })
    .expect(303);
  await admin
    .post(`/admin/kb/categories/${top}`)
    .type('form')
    .send({ _csrf: token, name: 'Setup', staffOnly: 'yes' })
    .expect(303);
  await request(t.app).get(address).expect(404);

  // A non-empty category stays; the last language stays; deleting the article works.
  await admin.post(`/admin/kb/categories/${child}/delete`).type('form').send({ _csrf: token }).expect(400);
  await admin.post(`/admin/kb/articles/${id}/versions/ru/delete`).type('form').send({ _csrf: token }).expect(303);
  await admin.post(`/admin/kb/articles/${id}/versions/en/delete`).type('form').send({ _csrf: token }).expect(400);
  await admin.post(`/admin/kb/articles/${id}/delete`).type('form').send({ _csrf: token }).expect(303);
  await admin.post(`/admin/kb/categories/${child}/delete`).type('form').send({ _csrf: token }).expect(303);
  await admin.get(`/admin/kb/articles/${id}`).expect(404);

  const actions = (await t.db('audit_log').where('action', 'like', 'kb.%').orderBy('id').select('action')).map(
    (r) => r.action,
  );
  expect(actions).toEqual([
    'kb.category_created',
    'kb.category_created',
    'kb.article_created',
    'kb.article_changed',
    'kb.article_changed',
    'kb.article_changed',
    'kb.article_changed',
    'kb.category_changed',
    'kb.version_deleted',
    'kb.article_deleted',
    'kb.category_deleted',
  ]);
});

test('without kb.manage the staff pages refuse; without a CSRF token nothing changes; odd ids are not found', async () => {
  const sam = request.agent(t.app);
  expect((await signIn(sam, staffCredentials)).status).toBe(303);
  const samToken = csrfFrom((await sam.get('/admin/canned').expect(200)).text);
  await sam.get('/admin/kb').expect(403);
  await sam.post('/admin/kb/categories').type('form').send({ _csrf: samToken, name: 'Sneaky' }).expect(403);
  await sam
    .post('/admin/kb/articles')
    .type('form')
    .send({ _csrf: samToken, category: '1', status: 'published', language: 'en', title: 'x', body: 'y' })
    .expect(403);
  expect(await t.db('kb_categories').where({ name: 'Sneaky' }).first()).toBeUndefined();
  await request(t.app).get('/admin/kb').expect(303);

  const admin = await adminAgent(t);
  await admin.post('/admin/kb/categories').type('form').send({ name: 'No token' }).expect(403);
  expect(await t.db('kb_categories').where({ name: 'No token' }).first()).toBeUndefined();
  for (const bad of ['abc', '0', '99999999', '1e3']) await admin.get(`/admin/kb/articles/${bad}`).expect(404);
  const token = await tokenOf(admin, '/admin/kb');
  await admin
    .post('/admin/kb/articles/424242')
    .type('form')
    .send({ _csrf: token, category: '1', status: 'draft', language: 'en', title: 'x', body: 'y' })
    .expect(404);
  const badStatus = await admin
    .post('/admin/kb/articles')
    .type('form')
    .send({ _csrf: token, category: '1', status: 'live', language: 'xx', title: '', body: '' });
  expect(badStatus.status).toBe(400);
});

test('the owner sees views, helpful answers and the searches that found nothing, over a chosen period', async () => {
  const admin = await adminAgent(t);
  const now = t.clock.now();
  await t.db('kb_searches').del();
  await t.db('kb_searches').insert([
    { query: 'refund <script>', language: 'en', result_count: 0, searched_at: now - 1000 },
    { query: 'refund <script>', language: 'en', result_count: 0, searched_at: now - 2000 },
    { query: 'printer', language: 'en', result_count: 3, searched_at: now - 3000 },
    { query: 'very old miss', language: 'en', result_count: 0, searched_at: now - 40 * 86_400_000 },
  ]);
  const page = (await admin.get('/admin/kb').expect(200)).text;
  expect(page).toContain('Searches in the last 30 days');
  expect(page).toContain('3, of which 2 found nothing');
  expect(page).toContain('refund &lt;script&gt; <span class="muted small">(2)</span>');
  expect(page).not.toContain('very old miss');
  const longer = (await admin.get('/admin/kb?days=90').expect(200)).text;
  expect(longer).toContain('4, of which 3 found nothing');
  expect(longer).toContain('very old miss');
  expect((await admin.get('/admin/kb?days=12345').expect(200)).text).toContain('Searches in the last 30 days');
});
