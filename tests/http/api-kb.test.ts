import request from 'supertest';
import { insertKbCategory } from '../../src/kb/kb-categories.repo';
import { kbReadLimit } from '../../src/web/api/kb.api';
import { apiAs, apiTokenFor, integrationToken } from '../helpers/api-client';
import { addKbArticle, seedSmallKb } from '../helpers/kb-fixtures';
import { staffCredentials, useInstalledApp, type InstalledApp } from '../helpers/installed-app';

let t: InstalledApp;
useInstalledApp((app) => (t = app), { freshRateLimits: true });

type Kb = Awaited<ReturnType<typeof seedSmallKb>> & {
  hidden: {
    staffOnly: number;
    below: number;
    inStaffOnly: number;
    underStaffOnly: number;
    private: number;
    script: number;
  };
};
let kb: Kb;
const get = (path: string) => request(t.app).get(`/api/v1${path}`);

beforeAll(async () => {
  const seeded = await seedSmallKb(t.db);
  // A staff-only category with a public one below it: neither is for customers.
  const staffOnly = await insertKbCategory(t.db, { parentId: null, name: 'Internal', position: 5, public: false }, 1);
  const below = await insertKbCategory(t.db, { parentId: staffOnly, name: 'Runbooks', position: 0, public: true }, 1);
  const inStaffOnly = await addKbArticle(t.db, staffOnly, {
    title: 'Password vault for the team',
    slug: 'vault',
    body: 'Secret password routine.',
  });
  const underStaffOnly = await addKbArticle(t.db, below, {
    title: 'Password rotation runbook',
    slug: 'rotation',
    body: 'Rotate the password monthly.',
  });
  const priv = await addKbArticle(
    t.db,
    seeded.categories.account,
    { title: 'Password override for agents', slug: 'override', body: 'Staff password override.' },
    [],
    'private',
  );
  const script = await addKbArticle(t.db, seeded.categories.account, {
    title: 'Printer <script>alert(1)</script> password',
    slug: 'printer',
    keywords: 'printer',
    body: 'Reset the <img src=x onerror=alert(2)> password [x](javascript:alert(3)).',
  });
  kb = { ...seeded, hidden: { staffOnly, below, inStaffOnly, underStaffOnly, private: priv, script } };
});

const hiddenArticles = () => [kb.articles.draft, kb.hidden.inStaffOnly, kb.hidden.underStaffOnly, kb.hidden.private];

test('without a token: the visible categories, lists, search and articles; drafts, private articles and staff-only categories never', async () => {
  const categories = (await get('/kb/categories').expect(200)).body.items as Array<{
    id: number;
    name: string;
    articles: number;
  }>;
  expect(categories.map((c) => c.id).sort()).toEqual(
    [kb.categories.account, kb.categories.billing, kb.categories.invoices].sort(),
  );
  expect(categories.find((c) => c.id === kb.categories.billing)!.articles).toBe(0); // its draft is not counted
  expect(
    (await get('/kb/categories?language=ru').expect(200)).body.items.map((c: { name: string }) => c.name),
  ).toContain('Оплата');

  const all = (await get('/kb/articles?size=100').expect(200)).body;
  const ids = all.items.map((a: { id: number }) => a.id);
  expect(ids).toEqual(
    expect.arrayContaining([kb.articles.reset, kb.articles.email, kb.articles.pdf, kb.hidden.script]),
  );
  for (const hidden of hiddenArticles()) expect(ids).not.toContain(hidden);
  expect(all.items[0].url).toMatch(/^https?:\/\/[^/]+\/helpdesk\/kb\/\d+-/);
  // Paging: two at a time reaches every article exactly once.
  const paged: number[] = [];
  for (let page = 1; ; page++) {
    const res = (await get(`/kb/articles?size=10&page=${page}`).expect(200)).body;
    paged.push(...res.items.map((a: { id: number }) => a.id));
    if (!res.hasMore) break;
  }
  expect(paged.sort()).toEqual([...ids].sort());

  for (const category of [kb.hidden.staffOnly, kb.hidden.below, 999999])
    await get(`/kb/articles?category=${category}`).expect(404);
  expect(
    (await get(`/kb/articles?category=${kb.categories.invoices}&language=ru`).expect(200)).body.items.map(
      (a: { title: string }) => a.title,
    ),
  ).toEqual(['Как скачать счёт в PDF']);

  // "password" is in every hidden article: the search finds only the public ones.
  const found = (await get('/kb/articles/search?q=password').expect(200)).body;
  expect(found.items.map((a: { id: number }) => a.id).sort()).toEqual([kb.articles.reset, kb.hidden.script].sort());
  expect(found.total).toBe(2);
  const printer = found.items.find((a: { id: number }) => a.id === kb.hidden.script);
  expect(printer.title).toBe('Printer <script>alert(1)</script> password');
  expect(printer.titleHtml).not.toContain('<script>');
  expect(printer.titleHtml).toMatch(/^Printer &#60;script&#62;alert\(1\)&#60;\/script&#62; <mark>password<\/mark>$/);
  expect(printer.snippetHtml).not.toMatch(/<img|<script/);
  expect(
    (await get('/kb/articles/search?q=' + encodeURIComponent('сброс') + '&language=ru').expect(200)).body.items[0],
  ).toEqual(expect.objectContaining({ id: kb.articles.reset, language: 'ru', title: 'Сброс пароля' }));
  for (const q of ["password' OR 1=1 --", '"password" -reset +(*)', 'pass*word~ @x', '%_\\'])
    await get(`/kb/articles/search?q=${encodeURIComponent(q)}`).expect(200);
  expect(await t.db('kb_searches').where({ query: 'password' }).first('result_count')).toEqual({ result_count: 2 });

  const article = (await get(`/kb/articles/${kb.articles.reset}?language=ru`).expect(200)).body.article;
  expect(article).toEqual(
    expect.objectContaining({
      id: kb.articles.reset,
      categoryId: kb.categories.account,
      language: 'ru',
      fallback: false,
      title: 'Сброс пароля',
    }),
  );
  expect((await get(`/kb/articles/${kb.articles.email}?language=ru`).expect(200)).body.article).toEqual(
    expect.objectContaining({ language: 'en', fallback: true }),
  );
  const unsafe = (await get(`/kb/articles/${kb.hidden.script}`).expect(200)).body.article;
  expect(unsafe.html).not.toMatch(/<script|<img|href="javascript:/);
  expect(unsafe.html).toContain('&lt;img src=x onerror=alert(2)&gt;');
  expect(unsafe.body).toContain('<img src=x'); // the Markdown as written, for a client to render safely
  for (const hidden of [...hiddenArticles(), 999999999]) {
    const res = await get(`/kb/articles/${hidden}`).expect(404);
    expect(res.body.error.code).toBe('not_found');
  }
});

test('reading with a token: editors see drafts and every version; other staff read as customers do', async () => {
  const editor = apiAs(t, await integrationToken(t));
  const staffView = (await editor.get(`/kb/articles/${kb.articles.draft}`).expect(200)).body.article;
  expect(staffView).toEqual(expect.objectContaining({ id: kb.articles.draft, status: 'draft' }));
  expect(
    (await editor.get(`/kb/articles/${kb.articles.reset}`).expect(200)).body.article.versions.map(
      (v: { language: string }) => v.language,
    ),
  ).toEqual(['en', 'ru']);
  const plain = apiAs(t, await apiTokenFor(t, staffCredentials.email));
  await plain.get(`/kb/articles/${kb.articles.draft}`).expect(404);
  await plain.get(`/kb/articles/${kb.hidden.private}`).expect(404);
  await request(t.app)
    .get(`/api/v1/kb/articles/${kb.articles.reset}`)
    .set('Authorization', `Bearer tsr_${'x'.repeat(43)}`)
    .expect(401);
});

test('bad input is a 400 naming the parameter, never a query; a switched-off knowledge base is not there', async () => {
  const cases = [
    '/kb/articles/search',
    '/kb/articles/search?q=a&q=b',
    `/kb/articles/search?q=${'x'.repeat(201)}`,
    '/kb/articles/search?q=a&page=51',
    '/kb/articles?size=7',
    '/kb/articles?page=0',
    '/kb/articles?category=abc',
    '/kb/articles?language=xx',
    '/kb/articles?bogus=1',
    '/kb/categories?language[]=en',
    '/kb/articles/abc',
    `/kb/articles/${'9'.repeat(10)}`,
  ];
  for (const path of cases) {
    const res = await get(path);
    expect([path, res.status, res.body.error?.code]).toEqual([path, 400, 'validation_failed']);
  }
  await t.services.settings.save({ 'kb.enabled': false });
  try {
    for (const path of [
      '/kb/categories',
      '/kb/articles',
      '/kb/articles/search?q=password',
      `/kb/articles/${kb.articles.reset}`,
    ])
      await get(path).expect(404);
    // Its editors still reach it, to prepare it.
    await apiAs(t, await integrationToken(t))
      .get(`/kb/articles/${kb.articles.reset}`)
      .expect(200);
  } finally {
    await t.services.settings.save({ 'kb.enabled': true });
  }
});

test('reads without a token are budgeted per client; a staff token is not held back', async () => {
  for (let i = 0; i < kbReadLimit.max; i++) await get('/kb/categories').expect(200);
  const refused = await get('/kb/articles/search?q=password').expect(429);
  expect(refused.body.error.code).toBe('too_many_requests');
  expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
  await apiAs(t, await apiTokenFor(t, staffCredentials.email))
    .get('/kb/categories')
    .expect(200);
  t.clock.advance(kbReadLimit.windowMs + 1);
  await get('/kb/categories').expect(200);
});

test('editors create, change and delete articles with a token: idempotent, checked like the editor, audited, and refused when someone saved meanwhile', async () => {
  const editor = apiAs(t, await integrationToken(t));
  const body = {
    categoryId: kb.categories.account,
    status: 'draft',
    language: 'en',
    title: 'Two-factor <b>sign-in</b>',
    keywords: 'otp',
    body: '## Set up\n\nScan the code.',
  };
  const first = await editor.post('/kb/articles', body).set('Idempotency-Key', 'kb-create-1').expect(201);
  const again = await editor.post('/kb/articles', body).set('Idempotency-Key', 'kb-create-1').expect(201);
  expect(again.headers['idempotent-replayed']).toBe('true');
  const article = first.body.article;
  expect(again.body.article.id).toBe(article.id);
  expect(Number((await t.db('kb_article_versions').where({ title: body.title }).count({ n: '*' }))[0]!.n)).toBe(1);
  expect(article).toEqual(
    expect.objectContaining({ status: 'draft', categoryId: kb.categories.account, pinned: false }),
  );
  await get(`/kb/articles/${article.id}`).expect(404); // a draft

  // Refusals name the API's own fields.
  const refusals: Array<[unknown, string]> = [
    [{ ...body, categoryId: 999999 }, 'categoryId'],
    [{ ...body, categoryId: '1' }, 'categoryId'],
    [{ ...body, title: '' }, 'title'],
    [{ ...body, title: 'a\nb' }, 'title'],
    [{ ...body, title: ['a'] }, 'title'],
    [{ ...body, status: 'public' }, 'status'],
    [{ ...body, body: 'x'.repeat(200_001) }, 'body'],
    [{ ...body, isAdmin: true }, 'isAdmin'],
  ];
  for (const [bad, field] of refusals) {
    const res = await editor.post('/kb/articles', bad).expect(400);
    expect([field, Object.keys(res.body.error.fields)]).toEqual([field, [field]]);
  }

  // Publish it: customers can read it now; the audit log says who did it.
  const published = (
    await editor.patch(`/kb/articles/${article.id}`, { updatedAt: article.updatedAt, status: 'published' }).expect(200)
  ).body.article;
  expect(published.updatedAt).not.toBe(article.updatedAt);
  expect((await get(`/kb/articles/${article.id}`).expect(200)).body.article.html).toContain('<h2>Set up</h2>');
  const stale = await editor
    .patch(`/kb/articles/${article.id}`, { updatedAt: article.updatedAt, title: 'Lost update' })
    .expect(409);
  expect(stale.body.error.code).toBe('kb_article_changed');
  expect((await editor.get(`/kb/articles/${article.id}`)).body.article.versions[0].title).toBe(body.title);

  // Two editors who read the same state: exactly one change is stored (by revision, and by the older updatedAt).
  const racing = await Promise.all(
    ['First', 'Second'].map((title) =>
      editor.patch(`/kb/articles/${article.id}`, { updatedAt: published.updatedAt, title }),
    ),
  );
  expect(racing.map((r) => r.status).sort()).toEqual([200, 409]);
  const read = (await editor.get(`/kb/articles/${article.id}`)).body.article;
  expect(read.revision).toBe(published.revision + 1);
  const byRevision = await Promise.all(
    ['Third', 'Fourth'].map((title) => editor.patch(`/kb/articles/${article.id}`, { revision: read.revision, title })),
  );
  expect(byRevision.map((r) => r.status).sort()).toEqual([200, 409]);
  expect(byRevision.find((r) => r.status === 409)!.body.error.code).toBe('kb_article_changed');
  // A revision read before the last save is refused; so is the right revision sent with an old updatedAt.
  await editor.patch(`/kb/articles/${article.id}`, { revision: read.revision, title: 'Stale' }).expect(409);
  await editor
    .patch(`/kb/articles/${article.id}`, {
      revision: read.revision + 1,
      updatedAt: read.updatedAt,
      title: 'Right revision, old stamp',
    })
    .expect(409);

  // A new language needs its title and body.
  const current = (await editor.get(`/kb/articles/${article.id}`)).body.article;
  const half = await editor
    .patch(`/kb/articles/${article.id}`, {
      updatedAt: current.updatedAt,
      language: 'sk',
      title: 'Dvojfaktorové prihlásenie',
    })
    .expect(400);
  expect(Object.keys(half.body.error.fields)).toEqual(['body']);
  const withSk = (
    await editor
      .patch(`/kb/articles/${article.id}`, {
        updatedAt: current.updatedAt,
        language: 'sk',
        title: 'Dvojfaktorové prihlásenie',
        body: 'Naskenujte kód.',
      })
      .expect(200)
  ).body.article;
  expect(withSk.versions.map((v: { language: string }) => v.language)).toEqual(['en', 'sk']);
  for (const bad of [
    {},
    { title: 'no stamp' },
    { revision: -1, title: 'x' },
    { revision: '3', title: 'x' },
    { updatedAt: withSk.updatedAt, categoryId: 999999 },
    { updatedAt: withSk.updatedAt, status: 'gone' },
    { updatedAt: 'yesterday', title: 'x' },
  ]) {
    const res = await editor.patch(`/kb/articles/${article.id}`, bad);
    expect([bad, res.status]).toEqual([bad, 400]);
  }

  const actions = (
    await t
      .db('audit_log')
      .where({ target_type: 'kb_article', target_id: String(article.id) })
      .orderBy('id')
      .select('action', 'details')
  ).map((r) => r.action);
  expect(actions).toEqual([
    'kb.article_created',
    'kb.article_changed',
    'kb.article_changed',
    'kb.article_changed',
    'kb.article_changed',
  ]);

  // Other staff may not write; unknown ids are not found.
  const plain = apiAs(t, await apiTokenFor(t, staffCredentials.email));
  await plain.post('/kb/articles', body).expect(403);
  await plain.patch(`/kb/articles/${article.id}`, { updatedAt: withSk.updatedAt, title: 'x' }).expect(403);
  await plain.send('DELETE', `/kb/articles/${article.id}`).expect(403);
  await request(t.app).delete(`/api/v1/kb/articles/${article.id}`).expect(401);
  await editor.patch('/kb/articles/999999999', { updatedAt: withSk.updatedAt, title: 'x' }).expect(404);
  await editor.send('DELETE', '/kb/articles/999999999').expect(404);

  await editor.send('DELETE', `/kb/articles/${article.id}`).expect(204);
  await get(`/kb/articles/${article.id}`).expect(404);
  expect(
    await t
      .db('audit_log')
      .where({ action: 'kb.article_deleted', target_id: String(article.id) })
      .first('staff_name'),
  ).toEqual({ staff_name: 'Ada Admin' });
});

test('editors manage categories with a token: a loop or a non-empty delete is refused', async () => {
  const editor = apiAs(t, await integrationToken(t));
  const top = (await editor.post('/kb/categories', { name: 'Shipping <i>&</i> returns' }).expect(201)).body.category;
  expect(top).toEqual(expect.objectContaining({ name: 'Shipping <i>&</i> returns', parentId: null, staffOnly: false }));
  const child = (
    await editor.post('/kb/categories', { name: 'Returns', parentId: top.id, staffOnly: true }).expect(201)
  ).body.category;
  expect((await get('/kb/categories').expect(200)).body.items.map((c: { id: number }) => c.id)).not.toContain(child.id);
  const loop = await editor.patch(`/kb/categories/${top.id}`, { parentId: child.id }).expect(400);
  expect(Object.keys(loop.body.error.fields)).toEqual(['parentId']);
  expect((await editor.patch(`/kb/categories/${child.id}`, { staffOnly: false }).expect(200)).body.category).toEqual(
    expect.objectContaining({ name: 'Returns', parentId: top.id, staffOnly: false }),
  );
  for (const bad of [
    {},
    { name: '' },
    { name: 'x'.repeat(121) },
    { parentId: 999999 },
    { parentId: 'top' },
    { public: true },
  ])
    await editor.patch(`/kb/categories/${child.id}`, bad).expect(400);
  const busy = await editor.send('DELETE', `/kb/categories/${top.id}`).expect(409);
  expect(busy.body.error.code).toBe('kb_category_not_empty');
  await editor.send('DELETE', `/kb/categories/${child.id}`).expect(204);
  await editor.send('DELETE', `/kb/categories/${top.id}`).expect(204);
  await editor.send('DELETE', `/kb/categories/${top.id}`).expect(404);
  const actions = (
    await t
      .db('audit_log')
      .where({ target_type: 'kb_category' })
      .whereIn('target_id', [String(top.id), String(child.id)])
      .orderBy('id')
      .select('action')
  ).map((r) => r.action);
  expect(actions).toEqual([
    'kb.category_created',
    'kb.category_created',
    'kb.category_changed',
    'kb.category_deleted',
    'kb.category_deleted',
  ]);
});
