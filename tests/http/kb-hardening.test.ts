import type { Express } from 'express';
import request from 'supertest';
import { clientOf } from '../../src/db/dialect';
import { sweepLeftovers } from '../../src/jobs/cleanup';
import { saveKbCategory } from '../../src/kb/kb-admin.service';
import { kbSessionsPerClientHour } from '../../src/kb/kb-deflection.service';
import { kbSuggestionsPerSearch } from '../../src/kb/kb-search.service';
import { addKbArticle, kbSessionOf, seedSmallKb } from '../helpers/kb-fixtures';
import {
  behindProxy,
  csrfFrom,
  signIn,
  staffCredentials,
  useInstalledApp,
  type InstalledApp,
} from '../helpers/installed-app';
import { adminAgent } from '../helpers/staff-admin';

let t: InstalledApp;
let kb: Awaited<ReturnType<typeof seedSmallKb>>;
let proxied: Express;
useInstalledApp((app) => (t = app), { freshRateLimits: true });
beforeAll(async () => {
  kb = await seedSmallKb(t.db);
  proxied = behindProxy(t);
});

const editorForm = (html: string) => ({
  _csrf: csrfFrom(html),
  revision: /name="revision" value="(\d+)"/.exec(html)?.[1] ?? '',
  category: String(kb.categories.account),
  status: 'published',
  position: '0',
  language: 'en',
  keywords: 'address profile',
});

test('two editors of one article: the second save is refused with who and when, the typed text kept; saving again then replaces knowingly', async () => {
  const ada = await adminAgent(t);
  await t.db('staff_users').where({ email: staffCredentials.email }).update({ is_admin: true });
  const sam = request.agent(t.app);
  await signIn(sam, staffCredentials);
  const id = kb.articles.email;
  const adaForm = editorForm((await ada.get(`/admin/kb/articles/${id}`).expect(200)).text);
  const samForm = editorForm((await sam.get(`/admin/kb/articles/${id}`).expect(200)).text);
  expect(adaForm.revision).toMatch(/^\d+$/);
  expect(samForm.revision).toBe(adaForm.revision);

  await ada
    .post(`/admin/kb/articles/${id}`)
    .type('form')
    .send({ ...adaForm, title: 'Change your e-mail (Ada)', body: 'Ada wrote this.', intent: 'save' })
    .expect(303);
  const refused = await sam
    .post(`/admin/kb/articles/${id}`)
    .type('form')
    .send({ ...samForm, title: 'Change your e-mail (Sam)', body: 'Sam <b>wrote</b> this.', intent: 'save' })
    .expect(409);
  expect(refused.text).toContain('Someone else saved this article while you were editing it.');
  expect(refused.text).toContain('Saved by Ada Admin at');
  expect(refused.text).toContain('value="Change your e-mail (Sam)"');
  expect(refused.text).toContain('Sam &lt;b&gt;wrote&lt;/b&gt; this.');
  expect(refused.text).toContain(`href="/admin/kb/articles/${id}?lang=en"`);
  let stored = await t.db('kb_article_versions').where({ article_id: id, language: 'en' }).first('title', 'body');
  expect(stored).toEqual({ title: 'Change your e-mail (Ada)', body: 'Ada wrote this.' });

  // The refused form now carries Ada's revision: saving it again is a deliberate replace.
  const again = editorForm(refused.text);
  expect(Number(again.revision)).toBe(Number(adaForm.revision) + 1);
  await sam
    .post(`/admin/kb/articles/${id}`)
    .type('form')
    .send({ ...again, title: 'Change your e-mail (Sam)', body: 'Sam wrote this.', intent: 'save' })
    .expect(303);
  stored = await t.db('kb_article_versions').where({ article_id: id, language: 'en' }).first('title', 'body');
  expect(stored).toEqual({ title: 'Change your e-mail (Sam)', body: 'Sam wrote this.' });
  // Ada's stale form is refused in turn; an odd revision is no revision at all (a 400 never, a loophole never).
  await ada
    .post(`/admin/kb/articles/${id}`)
    .type('form')
    .send({ ...adaForm, title: 'Late', body: 'Late.', intent: 'save' })
    .expect(409);
  await ada
    .post(`/admin/kb/articles/${id}`)
    .type('form')
    .send({ ...adaForm, revision: ['1', '2'], title: 'Late', body: 'Late.', intent: 'save' })
    .expect(303);
  await t.db('staff_users').where({ email: staffCredentials.email }).update({ is_admin: false });
});

test('a creating form sent twice (double click, two tabs) makes one category and one article; the repeat leads to the first', async () => {
  const admin = await adminAgent(t);
  const page = (await admin.get('/admin/kb').expect(200)).text;
  const key = /name="submission_key" value="([a-f0-9]{32})"/.exec(page)![1]!;
  const category = { _csrf: csrfFrom(page), name: 'Double click topic', position: '0', submission_key: key };
  const [a, b] = await Promise.all([
    admin.post('/admin/kb/categories').type('form').send(category),
    admin.post('/admin/kb/categories').type('form').send(category),
  ]);
  expect([a.status, b.status]).toEqual([303, 303]);
  expect(Number((await t.db('kb_categories').where({ name: 'Double click topic' }).count({ n: '*' }).first())!.n)).toBe(
    1,
  );
  expect(
    Number(
      (await t
        .db('audit_log')
        .where({ action: 'kb.category_created' })
        .whereRaw("details like '%Double click topic%'")
        .count({ n: '*' })
        .first())!.n,
    ),
  ).toBe(1);

  const editor = (await admin.get('/admin/kb/articles/new').expect(200)).text;
  const articleKey = /name="submission_key" value="([a-f0-9]{32})"/.exec(editor)![1]!;
  const form = {
    _csrf: csrfFrom(editor),
    submission_key: articleKey,
    category: String(kb.categories.account),
    status: 'draft',
    position: '0',
    language: 'en',
    title: 'Sent twice',
    keywords: '',
    body: 'Once only.',
    intent: 'save',
  };
  const first = await admin.post('/admin/kb/articles').type('form').send(form).expect(303);
  const second = await admin.post('/admin/kb/articles').type('form').send(form).expect(303);
  expect(second.headers.location).toBe(first.headers.location);
  expect(Number((await t.db('kb_article_versions').where({ title: 'Sent twice' }).count({ n: '*' }).first())!.n)).toBe(
    1,
  );
  // A fresh showing of the form gets a fresh key: a second article is a second article.
  const next = (await admin.get('/admin/kb/articles/new').expect(200)).text;
  expect(/name="submission_key" value="([a-f0-9]{32})"/.exec(next)![1]).not.toBe(articleKey);
  // A refused form keeps its key (nothing was stored under it).
  const refused = await admin
    .post('/admin/kb/articles')
    .type('form')
    .send({ ...form, submission_key: 'b'.repeat(32), title: '' })
    .expect(400);
  expect(refused.text).toContain(`name="submission_key" value="${'b'.repeat(32)}"`);
});

test('moves that would make a loop, sent at the same moment: one is refused, the tree stays a tree', async () => {
  const editor = { id: 1, name: 'Ada Admin', ip: '127.0.0.1' };
  const now = t.clock.now();
  const a = await saveKbCategory(t.db, editor, null, { name: 'Loop A' }, now);
  const b = await saveKbCategory(t.db, editor, null, { name: 'Loop B' }, now);
  const results = await Promise.allSettled([
    saveKbCategory(t.db, editor, a, { name: 'Loop A', parent: String(b) }, now),
    saveKbCategory(t.db, editor, b, { name: 'Loop B', parent: String(a) }, now),
  ]);
  expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
  const rows = await t.db('kb_categories').whereIn('id', [a, b]).select('id', 'parent_id');
  expect(rows.filter((r) => r.parent_id !== null)).toHaveLength(1);
});

test('search and suggestions are limited per client address: a page and a 429 JSON past the limit, other addresses unaffected', async () => {
  await t.services.settings.save({ 'kb.searchesPerMinute': 20 });
  const kbSearchLimits = { search: 20, suggest: 20 * kbSuggestionsPerSearch };
  for (let i = 0; i < kbSearchLimits.search; i++)
    await request(proxied)
      .get('/helpdesk/kb/search')
      .query({ q: 'password' })
      .set('X-Forwarded-For', '203.0.113.7')
      .expect(200);
  const refused = await request(proxied)
    .get('/helpdesk/kb/search')
    .query({ q: 'password' })
    .set('X-Forwarded-For', '203.0.113.7')
    .expect(429);
  expect(refused.headers['retry-after']).toMatch(/^\d+$/);
  expect(refused.text).toContain('You have searched very often in a short time.');
  await request(proxied)
    .get('/helpdesk/kb/search')
    .query({ q: 'password' })
    .set('X-Forwarded-For', '203.0.113.8')
    .expect(200);

  for (let i = 0; i < kbSearchLimits.suggest; i++)
    await request(proxied)
      .get('/helpdesk/kb/suggest')
      .query({ q: 'pass' })
      .set('X-Forwarded-For', '203.0.113.9')
      .expect(200);
  const json = await request(proxied)
    .get('/helpdesk/kb/suggest')
    .query({ q: 'pass' })
    .set('X-Forwarded-For', '203.0.113.9')
    .expect(429);
  expect(json.body).toEqual({ articles: [], error: { code: 'too_many_requests', message: expect.any(String) } });
  // A minute later the window is over.
  t.clock.advance(61_000);
  await request(proxied)
    .get('/helpdesk/kb/suggest')
    .query({ q: 'pass' })
    .set('X-Forwarded-For', '203.0.113.9')
    .expect(200);
  await t.services.settings.save({ 'kb.searchesPerMinute': 60 });
});

test('"any word" is offered only with words of 3 letters or more; the vote goes back to the article, never to a sent address', async () => {
  // "in" is a prefix of words in most articles: OR-ing it in would have listed them all.
  const short = await request(t.app).get('/helpdesk/kb/search').query({ q: 'in zzqqxx' }).expect(200);
  expect(short.text).toContain('0 articles found');
  const some = await request(t.app).get('/helpdesk/kb/search').query({ q: 'invoice zzqqxx' }).expect(200);
  expect(some.text).toContain('1 article found');
  expect(some.text).toContain('No article has every word you typed');

  const voter = request.agent(t.app);
  const article = await voter.get(`/helpdesk/kb/${kb.articles.reset}-reset-your-password`).expect(200);
  const voted = await voter
    .post(`/helpdesk/kb/${kb.articles.reset}-anything/vote?return=https://evil.example/`)
    .set('Referer', 'https://evil.example/phish')
    .type('form')
    .send({ _csrf: csrfFrom(article.text), helpful: 'yes', return: 'https://evil.example/', next: '//evil.example' })
    .expect(303);
  expect(voted.headers.location).toBe(`/helpdesk/kb/${kb.articles.reset}-reset-your-password?voted=thanks#vote`);
});

test('Cyrillic and Slovak diacritics are found whatever the case and accents, on every database (PostgreSQL: folded by the application)', async () => {
  const id = await addKbArticle(t.db, kb.categories.account, {
    title: 'СБРОС Пароля в Žiline',
    slug: 'sbros',
    keywords: 'ЁЛКА',
    body: 'Ako resetovať heslo: ŤAHAJTE ĽAVÝ posúvač.',
  });
  for (const q of [
    'сброс',
    'ПАРОЛЯ',
    'zilin',
    'ŽILINE',
    'resetovat',
    'RESETOVAŤ',
    'tahajte lavy',
    'елка',
    'Ёлка',
    'posuvac',
  ]) {
    const found = (await request(t.app).get('/helpdesk/kb/suggest').query({ q }).expect(200)).body as {
      articles: Array<{ href: string }>;
    };
    expect([q, found.articles.some((a) => a.href.startsWith(`/helpdesk/kb/${id}-`))]).toEqual([q, true]);
  }
  if (clientOf(t.db) === 'postgres') {
    const row = await t
      .db('kb_article_versions')
      .where({ article_id: id })
      .first('search_text', t.db.raw('search_tsv::text as tsv'));
    expect(row.search_text).toBe('елка\u001fсброс пароля в ziline\u001fako resetovat heslo: tahajte lavy posuvac.');
    expect(row.tsv).toContain("'сброс':");
    // The database's own lower() on a C collation leaves capitals: what the index no longer relies on.
    expect((await t.db.raw(`select lower('СБРОС' collate "C") as l`)).rows[0].l).toBe('СБРОС');
  }
});

test('deflection counts only sessions the form page signed, and at most so many new ones per address and hour', async () => {
  await t.db('kb_suggestion_sessions').del();
  const visitor = request.agent(t.app);
  const s = kbSessionOf((await visitor.get('/helpdesk/tickets/new').expect(200)).text);
  await visitor.get('/helpdesk/kb/suggest').query({ q: 'password' }).expect(200);
  await visitor.get('/helpdesk/kb/suggest').query({ q: 'password', s: 'lz0abc.forgedforgedforgedforg' }).expect(200);
  const other = request.agent(t.app);
  await other.get('/helpdesk/tickets/new').expect(200);
  await other.get('/helpdesk/kb/suggest').query({ q: 'password', s }).expect(200); // someone else's ticket
  expect(Number((await t.db('kb_suggestion_sessions').count({ n: '*' }).first())!.n)).toBe(0);
  await visitor.get('/helpdesk/kb/suggest').query({ q: 'password', s }).expect(200);
  await visitor.get('/helpdesk/kb/suggest').query({ q: 'invoice', s }).expect(200);
  expect(Number((await t.db('kb_suggestion_sessions').count({ n: '*' }).first())!.n)).toBe(1);
  // A day later the ticket has expired.
  const later = request.agent(t.app);
  const old = kbSessionOf((await later.get('/helpdesk/tickets/new').expect(200)).text);
  t.clock.advance(25 * 3600_000);
  await later.get('/helpdesk/kb/suggest').query({ q: 'password', s: old }).expect(200);
  expect(Number((await t.db('kb_suggestion_sessions').count({ n: '*' }).first())!.n)).toBe(1);

  // A script fetching fresh form pages from one address: capped per hour.
  for (let i = 0; i < kbSessionsPerClientHour + 5; i++) {
    const bot = request.agent(proxied);
    const ticket = kbSessionOf(
      (await bot.get('/helpdesk/tickets/new').set('X-Forwarded-For', '198.51.100.4').expect(200)).text,
    );
    await bot
      .get('/helpdesk/kb/suggest')
      .query({ q: 'password', s: ticket })
      .set('X-Forwarded-For', '198.51.100.4')
      .expect(200);
  }
  expect(Number((await t.db('kb_suggestion_sessions').count({ n: '*' }).first())!.n)).toBe(1 + kbSessionsPerClientHour);
});

test('search logs and suggestion sessions past the retention setting are removed by the cleanup job; newer ones stay', async () => {
  await t.db('kb_searches').del();
  await t.db('kb_suggestion_sessions').del();
  const now = t.clock.now();
  const day = 86_400_000;
  await t.services.settings.save({ 'kb.logRetentionDays': 100 });
  await t
    .db('kb_searches')
    .insert(
      [101, 99, 1].map((d, i) => ({ query: `q${i}`, language: 'en', result_count: 0, searched_at: now - d * day })),
    );
  await t
    .db('kb_suggestion_sessions')
    .insert([101, 99].map((d, i) => ({ visitor: `v${i}`.padEnd(64, '0'), shown_at: now - d * day })));
  const swept = await sweepLeftovers({ ...t.services, clock: t.clock });
  expect(swept.kbLogs).toBe(2);
  expect((await t.db('kb_searches').orderBy('query').select('query')).map((r) => r.query)).toEqual(['q1', 'q2']);
  expect((await t.db('kb_suggestion_sessions').select('visitor')).map((r) => r.visitor)).toEqual([
    'v1'.padEnd(64, '0'),
  ]);
  await t.services.settings.save({ 'kb.logRetentionDays': 180 });
});

test('past the best 1,000 results nothing more is paged, and the page says to refine the search', async () => {
  const now = t.clock.now();
  // One after the other: MariaDB's full-text index deadlocks parallel inserts into one table.
  for (let n = 0; n < 1005; n++)
    await addKbArticle(
      t.db,
      kb.categories.billing,
      { title: `Widget note ${n}`, slug: `widget-${n}`, body: 'A widget.' },
      [],
      'published',
      now,
    );
  const first = await request(t.app).get('/helpdesk/kb/search').query({ q: 'widget' }).expect(200);
  expect(first.text).toContain('More than 1000 articles found.');
  const last = await request(t.app).get('/helpdesk/kb/search').query({ q: 'widget', page: '50' }).expect(200);
  expect(last.text).toContain('Only the best 1,000 results are shown. Refine your search to find others.');
  expect(last.text).not.toContain('page=51');
  const beyond = await request(t.app).get('/helpdesk/kb/search').query({ q: 'widget', page: '51' }).expect(200);
  expect(beyond.text).not.toContain('kb-result__title');
  expect(beyond.text).toContain('Only the best 1,000 results are shown.');
  // 1,005 saves one after the other (each also adds its words to the vocabulary): minutes on a loaded MariaDB.
}, 300_000);

test('related articles: found by the keywords, kept a while, yet one made private meanwhile is never listed', async () => {
  const a = await addKbArticle(t.db, kb.categories.account, {
    title: 'Printer tray one',
    slug: 'printer-tray-one',
    keywords: 'toner cartridge',
    body: 'Tray one.',
  });
  const b = await addKbArticle(t.db, kb.categories.account, {
    title: 'Printer tray two',
    slug: 'printer-tray-two',
    keywords: 'toner cartridge',
    body: 'Tray two.',
  });
  const page = async () => (await request(t.app).get(`/helpdesk/kb/${a}-printer-tray-one`).expect(200)).text;
  expect(await page()).toContain(`href="/helpdesk/kb/${b}-printer-tray-two"`);
  await t.db('kb_articles').where({ id: b }).update({ status: 'private' });
  expect(await page()).not.toContain('Printer tray two');
});
