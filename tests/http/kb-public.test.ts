import request from 'supertest';
import { withTransaction } from '../../src/db/transaction';
import { insertKbArticle, upsertKbVersion } from '../../src/kb/kb-articles.repo';
import type { KbStatus } from '../../src/kb/kb.schema';
import { insertKbCategory, setKbCategoryNames } from '../../src/kb/kb-categories.repo';
import { csrfFrom, useInstalledApp, type InstalledApp } from '../helpers/installed-app';

let t: InstalledApp;
const ids: Record<string, number> = {};
const cats: Record<string, number> = {};
useInstalledApp((app) => (t = app));
beforeAll(async () => {
  cats.help = await insertKbCategory(t.db, { parentId: null, name: 'Getting started', position: 0, public: true }, 1);
  await setKbCategoryNames(t.db, cats.help, { ru: 'Начало работы' });
  cats.billing = await insertKbCategory(
    t.db,
    { parentId: cats.help, name: 'Billing & <invoices>', position: 0, public: true },
    1,
  );
  cats.internal = await insertKbCategory(
    t.db,
    { parentId: null, name: 'Internal notes', position: 1, public: false },
    1,
  );
  cats.underInternal = await insertKbCategory(
    t.db,
    { parentId: cats.internal, name: 'Hidden child', position: 0, public: true },
    1,
  );
  const add = async (
    name: string,
    category: number,
    title: string,
    body: string,
    status: KbStatus = 'published',
    keywords = '',
  ) => {
    ids[name] = await withTransaction(t.db, (trx) =>
      insertKbArticle(
        trx,
        { categoryId: category, status, pinned: false, position: 0 },
        { language: 'en', title, slug: name, keywords, body },
        null,
        t.clock.now(),
      ),
    );
  };
  await add(
    'reset',
    cats.help,
    'Reset your password',
    '# Steps\n\nOpen **Sign in** and choose [Forgot password](https://example.com/forgot).',
    'published',
    'login',
  );
  await add(
    'invoice',
    cats.billing,
    'Download an invoice <script>alert(1)</script>',
    'Click <script>alert("x")</script> the [link](javascript:alert(1)) <img src=x onerror=alert(1)> to get the invoice.',
  );
  await add('draft', cats.help, 'Draft upcoming feature', 'Secret draft text about the upcoming feature.', 'draft');
  await add('private', cats.help, 'Private staff procedure', 'Secret private procedure.', 'private');
  await add('internal', cats.internal, 'Internal escalation', 'Secret internal escalation.');
  await add('nested', cats.underInternal, 'Nested hidden article', 'Secret nested text.');
  await upsertKbVersion(
    t.db,
    ids.reset!,
    {
      language: 'ru',
      title: 'Сброс пароля',
      slug: 'sbros-parolya',
      keywords: 'вход',
      body: 'Откройте страницу входа и нажмите «Забыли пароль».',
    },
    t.clock.now(),
  );
});

const hidden = ['draft', 'private', 'internal', 'nested'];

test('the help desk home leads with the knowledge-base search and the most read articles', async () => {
  const home = await request(t.app).get('/helpdesk').expect(200);
  expect(home.text).toContain('action="/helpdesk/kb/search"');
  expect(home.text).toContain('Reset your password');
  for (const h of hidden) expect(home.text).not.toContain(`/helpdesk/kb/${ids[h]}-`);
  const kb = await request(t.app).get('/helpdesk/kb').expect(200);
  expect(kb.text).toContain('Getting started');
  expect(kb.text).not.toContain('Internal notes');
  for (const h of hidden) expect(kb.text).not.toContain(`/helpdesk/kb/${ids[h]}-`);
});

test('a category page has breadcrumbs, sub-categories and its articles; staff-only ones are not found', async () => {
  const help = await request(t.app).get(`/helpdesk/kb/category/${cats.help}`).expect(200);
  expect(help.text).toContain('Billing &amp; &lt;invoices&gt;');
  expect(help.text).toContain(`/helpdesk/kb/${ids.reset}-reset`);
  expect(help.text).not.toContain('Draft upcoming');
  expect(help.text).not.toContain('Private staff');
  const billing = await request(t.app).get(`/helpdesk/kb/category/${cats.billing}`).expect(200);
  expect(billing.text).toMatch(new RegExp(`<a href="/helpdesk/kb/category/${cats.help}">Getting started</a>`));
  await request(t.app).get(`/helpdesk/kb/category/${cats.internal}`).expect(404);
  await request(t.app).get(`/helpdesk/kb/category/${cats.underInternal}`).expect(404);
  for (const bad of ['abc', '0', '99999999999', '1%00', '-1'])
    await request(t.app).get(`/helpdesk/kb/category/${bad}`).expect(404);
  const ru = await request(t.app).get(`/helpdesk/kb/category/${cats.help}?lang=ru`).expect(200);
  expect(ru.text).toContain('Начало работы');
});

test('an article is rendered from Markdown and sanitized; a wrong slug leads to its address; views are counted', async () => {
  const page = await request(t.app).get(`/helpdesk/kb/${ids.invoice}-invoice`).expect(200);
  expect(page.text).toContain('Download an invoice &lt;script&gt;alert(1)&lt;/script&gt;');
  expect(page.text).not.toMatch(/<script>alert|<img[^>]*onerror|href="javascript:/i);
  expect(page.text).toContain('Click &lt;script&gt;alert("x")&lt;/script&gt; the');
  const reset = await request(t.app).get(`/helpdesk/kb/${ids.reset}-reset`).expect(200);
  expect(reset.text).toContain('<h2>Steps</h2>');
  expect(reset.text).toContain('<strong>Sign in</strong>');
  expect(reset.text).toContain(
    '<a href="https://example.com/forgot" rel="noopener noreferrer nofollow">Forgot password</a>',
  );
  expect(reset.text).toContain(`href="/helpdesk/kb/category/${cats.help}"`);
  const moved = await request(t.app).get(`/helpdesk/kb/${ids.reset}-old-title`).expect(301);
  expect(moved.headers.location).toBe(`/helpdesk/kb/${ids.reset}-reset`);
  await request(t.app).get(`/helpdesk/kb/${ids.reset}`).expect(301);
  const stats = await t.db('kb_article_stats').where({ article_id: ids.reset }).first('views');
  expect(Number(stats.views)).toBe(1);
  const print = await request(t.app).get(`/helpdesk/kb/${ids.reset}-reset/print`).expect(200);
  expect(print.text).toContain('class="print-view"');
  expect(print.text).toContain('<h2>Steps</h2>');
});

test('a visitor reads their language, or the default one with a notice', async () => {
  const ru = await request(t.app).get(`/helpdesk/kb/${ids.reset}-sbros-parolya?lang=ru`).expect(200);
  expect(ru.text).toContain('Сброс пароля');
  const en = await request(t.app).get(`/helpdesk/kb/${ids.invoice}-invoice?lang=ru`).expect(200);
  expect(en.text).toContain('Download an invoice');
  expect(en.text).toContain('Эта статья пока недоступна на вашем языке');
});

test('drafts, private articles and staff-only categories are never reachable: direct address, print, vote, search', async () => {
  const agent = request.agent(t.app);
  const token = csrfFrom((await agent.get(`/helpdesk/kb/${ids.reset}-reset`).expect(200)).text);
  for (const h of hidden) {
    await agent.get(`/helpdesk/kb/${ids[h]}-${h}`).expect(404);
    await agent.get(`/helpdesk/kb/${ids[h]}-${h}/print`).expect(404);
    await agent
      .post(`/helpdesk/kb/${ids[h]}-${h}/vote`)
      .type('form')
      .send({ _csrf: token, helpful: 'yes' })
      .expect(404);
  }
  const found = await agent.get('/helpdesk/kb/search').query({ q: 'secret' }).expect(200);
  expect(found.text).toContain('0 articles found');
  for (const h of hidden) expect(found.text).not.toContain(`/helpdesk/kb/${ids[h]}-`);
});

test('search ranks and highlights; hostile strings are words; odd parameters are refused', async () => {
  const found = await request(t.app).get('/helpdesk/kb/search').query({ q: 'passw' }).expect(200);
  expect(found.text).toContain('Reset your <mark>passw</mark>ord');
  expect(found.text).toContain('1 article found');
  const ru = await request(t.app).get('/helpdesk/kb/search').query({ q: 'пароль', lang: 'ru' }).expect(200);
  expect(ru.text).toContain('<mark>пароль</mark>');
  const xss = await request(t.app)
    .get('/helpdesk/kb/search')
    .query({ q: '<script>alert(1)</script> invoice' })
    .expect(200);
  expect(xss.text).not.toContain('<script>alert(1)');
  expect(xss.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt; invoice');
  for (const q of [
    `' OR 1=1 --`,
    '+invoice -x *',
    '"unbalanced',
    'a:* & !b | (c)',
    '~@<>()',
    'NEAR(a b)',
    'x'.repeat(200),
  ])
    await request(t.app).get('/helpdesk/kb/search').query({ q }).expect(200);
  await request(t.app).get('/helpdesk/kb/search?q=a&q=b').expect(400);
  await request(t.app)
    .get('/helpdesk/kb/search')
    .query({ q: 'x'.repeat(1001) })
    .expect(400);
  await request(t.app).get('/helpdesk/kb/search').query({ q: 'invoice', page: 'abc' }).expect(200);
  const logged = await t.db('kb_searches').where({ query: 'passw' }).first('result_count');
  expect(Number(logged.result_count)).toBe(1);
  await request(t.app).get('/helpdesk/kb/search').query({ q: 'zzyzx' }).expect(200);
  expect(Number((await t.db('kb_searches').where({ query: 'zzyzx' }).first('result_count')).result_count)).toBe(0);
});

test('a visitor answers "was this helpful?" once; the form needs its CSRF token', async () => {
  const agent = request.agent(t.app);
  const page = await agent.get(`/helpdesk/kb/${ids.invoice}-invoice`).expect(200);
  const token = csrfFrom(page.text);
  await agent.post(`/helpdesk/kb/${ids.invoice}-invoice/vote`).type('form').send({ helpful: 'yes' }).expect(403);
  await agent
    .post(`/helpdesk/kb/${ids.invoice}-invoice/vote`)
    .type('form')
    .send({ _csrf: token, helpful: 'maybe' })
    .expect(400);
  await agent
    .post(`/helpdesk/kb/${ids.invoice}-invoice/vote`)
    .type('form')
    .send({ _csrf: token, helpful: ['yes', 'no'] })
    .expect(400);
  const first = await agent
    .post(`/helpdesk/kb/${ids.invoice}-invoice/vote`)
    .type('form')
    .send({ _csrf: token, helpful: 'yes' })
    .expect(303);
  expect(first.headers.location).toBe(`/helpdesk/kb/${ids.invoice}-invoice?voted=thanks#vote`);
  const again = await agent
    .post(`/helpdesk/kb/${ids.invoice}-invoice/vote`)
    .type('form')
    .send({ _csrf: token, helpful: 'no' })
    .expect(303);
  expect(again.headers.location).toContain('voted=already');
  const later = await agent.get(`/helpdesk/kb/${ids.invoice}-invoice`).expect(200);
  expect(later.text).toContain('You have already answered');
  expect(later.text).not.toContain('name="helpful"');
  const stats = await t.db('kb_article_stats').where({ article_id: ids.invoice }).first('helpful', 'unhelpful');
  expect([Number(stats.helpful), Number(stats.unhelpful)]).toEqual([1, 0]);
  // Another visitor votes on their own.
  const other = request.agent(t.app);
  const otherToken = csrfFrom((await other.get(`/helpdesk/kb/${ids.invoice}-invoice`).expect(200)).text);
  await other
    .post(`/helpdesk/kb/${ids.invoice}-invoice/vote`)
    .type('form')
    .send({ _csrf: otherToken, helpful: 'no' })
    .expect(303);
  expect(Number((await t.db('kb_article_stats').where({ article_id: ids.invoice }).first('unhelpful')).unhelpful)).toBe(
    1,
  );
});

test('switched off in the settings, the knowledge base is not there and the home page does not offer it', async () => {
  await t.services.settings.save({ 'kb.enabled': false });
  try {
    await request(t.app).get('/helpdesk/kb').expect(404);
    await request(t.app).get(`/helpdesk/kb/${ids.reset}-reset`).expect(404);
    await request(t.app).get('/helpdesk/kb/search?q=password').expect(404);
    await request(t.app).get('/helpdesk/kb/sitemap.xml').expect(404);
    expect((await request(t.app).get('/helpdesk').expect(200)).text).not.toContain('/helpdesk/kb');
  } finally {
    await t.services.settings.save({ 'kb.enabled': true });
  }
});

test("the sitemap lists every article customers may read, at the help desk's address, and nothing else", async () => {
  await t.services.settings.save({ 'helpdesk.url': 'https://support.example.com/desk' });
  const res = await request(t.app).get('/helpdesk/kb/sitemap.xml').expect(200);
  expect(res.headers['content-type']).toMatch(/^application\/xml/);
  expect(res.text).toMatch(
    /^<\?xml version="1.0" encoding="UTF-8"\?>\n<urlset xmlns="http:\/\/www.sitemaps.org\/schemas\/sitemap\/0.9">/,
  );
  const locs = [...res.text.matchAll(/<loc>([^<]*)<\/loc><lastmod>(\d{4}-\d\d-\d\dT[^<]+Z)<\/lastmod>/g)].map(
    (m) => m[1],
  );
  expect(locs.sort()).toEqual(
    [
      `https://support.example.com/desk/helpdesk/kb/${ids.invoice}-invoice`,
      `https://support.example.com/desk/helpdesk/kb/${ids.reset}-reset`,
    ].sort(),
  );
  for (const h of hidden) expect(res.text).not.toContain(`/helpdesk/kb/${ids[h]}-`);
  expect(res.text).not.toMatch(/<script|Secret/);
});
