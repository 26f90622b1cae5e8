import request from 'supertest';
import { withTransaction } from '../../src/db/transaction';
import { insertKbArticle, upsertKbVersion } from '../../src/kb/kb-articles.repo';
import { removeKbArticle, removeKbVersion, saveKbArticle, saveKbCategory } from '../../src/kb/kb-admin.service';
import { insertKbCategory } from '../../src/kb/kb-categories.repo';
import { syncKbArticleTerms, syncStaleKbTerms } from '../../src/kb/kb-upkeep.service';
import { useInstalledApp, type InstalledApp } from '../helpers/installed-app';

let t: InstalledApp;
let category: number;
const ids: Record<string, number> = {};
useInstalledApp((app) => (t = app));

beforeAll(async () => {
  category = await insertKbCategory(t.db, { parentId: null, name: 'Accounts', position: 0, public: true }, 1);
  const add = async (name: string, title: string, body: string, keywords = '') => {
    ids[name] = await withTransaction(t.db, (trx) =>
      insertKbArticle(
        trx,
        { categoryId: category, status: 'published', pinned: false, position: 0 },
        { language: 'en', title, slug: name, keywords, body },
        null,
        t.clock.now(),
      ),
    );
  };
  await add('password', 'Reset your password', 'Open the sign-in page and choose Forgot password.', 'login');
  await add('install', 'Installation guide', 'Upload the release and open the wizard.');
  await add('printer', 'Printer queue stuck', 'Restart the spooler service.');
  const version = (id: number, language: string, title: string, body: string) =>
    upsertKbVersion(t.db, id, { language, title, slug: `v-${language}`, keywords: '', body }, t.clock.now());
  await version(ids.password!, 'ru', 'Как сменить пароль', 'Откройте страницу входа и нажмите «Забыли пароль».');
  await version(ids.password!, 'sk', 'Obnovenie hesla', 'Zabudnuté heslo obnovíte na stránke prihlásenia.');
  await version(
    ids.password!,
    'hu',
    'Jelszó visszaállítása',
    'Az elfelejtett jelszó a bejelentkezési oldalon állítható vissza.',
  );
  await version(ids.password!, 'lv', 'Paroles maiņa', 'Aizmirstu paroli var atjaunot pieteikšanās lapā.');
  // Written straight through the repository (no service, no after-commit sync): the job takes them in.
  while ((await syncStaleKbTerms(t.services)) > 0);
});

const search = (q: string, lang = 'en') => request(t.app).get('/helpdesk/kb/search').query({ q, lang }).expect(200);
const finds = async (q: string, lang: string, article: string) => {
  const page = await search(q, lang);
  expect([q, lang, page.text.includes(`/helpdesk/kb/${ids[article]}-`)]).toEqual([q, lang, true]);
  return page.text;
};

test('a word with another ending finds the article: trimmed endings in the five languages', async () => {
  await finds('пароля', 'ru', 'password');
  await finds('installing', 'en', 'install');
  await finds('instal', 'en', 'install');
  await finds('heslom', 'sk', 'password');
  await finds('jelszót', 'hu', 'password');
  await finds('paroles', 'lv', 'password');
  // The trimmed part is highlighted as the prefix it is.
  expect(await finds('пароля', 'ru', 'password')).toContain('Как сменить <mark>парол</mark>ь'); // the typed пароля is not in the title: its stem is marked
});

test('a typing error is corrected from the vocabulary when nothing is found, and the page says so', async () => {
  const en = await finds('pasword', 'en', 'password');
  expect(en).toContain('showing results for “password”');
  expect(en).not.toContain(`/helpdesk/kb/${ids.printer}-`);
  await finds('restt pasword', 'en', 'password');
  expect(await finds('паорль', 'ru', 'password')).toContain('«пароль»');
  await finds('hselo', 'sk', 'password');
  await finds('jlszo', 'hu', 'password');
  await finds('praoles', 'lv', 'password');
  await finds('spooelr', 'en', 'printer');
  // An exact match is never "corrected"; a word two edits away is not guessed at.
  expect((await search('printer', 'en')).text).not.toContain('showing results for');
  expect((await search('paswrd', 'en')).text).not.toContain(`/helpdesk/kb/${ids.password}-`);
  // Suggestions while typing use the same corrections.
  const suggest = await request(t.app).get('/helpdesk/kb/suggest').query({ q: 'pasword' }).expect(200);
  expect((suggest.body.articles as Array<{ href: string }>).map((a) => a.href)).toEqual([
    `/helpdesk/kb/${ids.password}-password?ref=suggest`,
  ]);
});

test("the vocabulary holds the published articles' words, and hostile searches are only words", async () => {
  expect(await t.db('kb_terms').where({ term: 'spooler' }).first('term', 'reversed', 'length')).toEqual({
    term: 'spooler',
    reversed: 'reloops',
    length: 7,
  });
  expect(await t.db('kb_terms').where({ term: 'пароль' }).first('term')).toBeTruthy();
  expect(await t.db('kb_terms').where({ term: 'zabudnute' }).first('term')).toBeTruthy(); // folded
  const hostile = [
    `pasword' OR 1=1 --`,
    `"pasword"* NEAR(x)`,
    `pass%word_`,
    `*`,
    `\\`,
    `'); DROP TABLE kb_terms; --`,
    `pas[sw]ord`,
    'pas?word',
    'x'.repeat(600),
    'ﬁle\u0301 ё̈',
    '+-~<>()"@',
  ];
  for (const q of hostile) await search(q, 'en');
  expect(await t.db('kb_terms').where({ term: 'spooler' }).first('term')).toBeTruthy();
  // Wildcards typed into a word are dropped with every operator: "pass%word_" searches "pass" and "word".
  expect((await search('pas%ord', 'en')).text).not.toContain('showing results for');
});

const editor = { id: 1, name: 'Ada Admin', ip: '127.0.0.1' };
const articleForm = (categoryId: number, status: string, title: string, body: string, language = 'en') => ({
  category: String(categoryId),
  status,
  position: '0',
  language,
  title,
  keywords: '',
  body,
});
const save = (id: number | null, categoryId: number, status: string, title: string, body: string, language = 'en') =>
  saveKbArticle(t.services, editor, id, articleForm(categoryId, status, title, body, language), t.clock.now());
const termCount = async (term: string) =>
  Number((await t.db('kb_terms').where({ term }).first('articles'))?.articles ?? 0);
const corrected = async (q: string) => /showing results for/.test((await search(q, 'en')).text);

test('a word only in a draft, a private article or a staff-only category is never in the vocabulary, offered or shown', async () => {
  const internal = await saveKbCategory(
    t.db,
    editor,
    null,
    { name: 'Internal runbooks', staffOnly: 'yes' },
    t.clock.now(),
  );
  await save(null, category, 'draft', 'Quarkspanner rollout', 'The quarkspanner codename is secret.');
  await save(null, category, 'private', 'Moonbeamvault notes', 'Moonbeamvault keys rotate weekly.');
  await save(null, internal, 'published', 'Glimmerhorn outage', 'Glimmerhorn is the internal billing host.');
  for (const word of ['quarkspanner', 'moonbeamvault', 'glimmerhorn']) {
    expect([word, await termCount(word)]).toEqual([word, 0]);
    const typo = word.slice(0, 5) + word.slice(6); // one letter dropped
    const page = (await search(typo, 'en')).text;
    expect([typo, page.includes(word), page.includes('showing results for')]).toEqual([typo, false, false]);
    const suggest = await request(t.app).get('/helpdesk/kb/suggest').query({ q: typo }).expect(200);
    expect(suggest.body.articles).toEqual([]);
  }
});

test('a vocabulary word customers cannot find (an article unpublished before its sync ran, another language) is not offered; the next nearby word is', async () => {
  // Published and synced, then unpublished behind the vocabulary's back (the sync has not run yet).
  const lagging = await withTransaction(t.db, (trx) =>
    insertKbArticle(
      trx,
      { categoryId: category, status: 'published', pinned: false, position: 0 },
      { language: 'en', title: 'Zephyrbolt', slug: 'zephyrbolt', keywords: '', body: 'Zephyrbolt staging host.' },
      null,
      t.clock.now(),
    ),
  );
  while ((await syncStaleKbTerms(t.services)) > 0);
  expect(await termCount('zephyrbolt')).toBe(1);
  await t.db('kb_articles').where({ id: lagging }).update({ status: 'draft' });
  const page = (await search('zephyrblt', 'en')).text;
  expect([page.includes('zephyrbolt'), page.includes('showing results for')]).toEqual([false, false]);
  // "spoolar" is more frequent (two Slovak-only articles) but finds nothing for an English reader: "spooler" is offered.
  for (const n of [1, 2])
    await save(null, category, 'published', `Tlačiareň ${n}`, 'Reštartujte spoolar službu.', 'sk');
  expect(await termCount('spoolar')).toBe(2);
  expect(await termCount('spooler')).toBe(1);
  const en = (await search('spoolr', 'en')).text;
  expect(en).toContain('showing results for “spooler”');
  expect(en).toContain(`/helpdesk/kb/${ids.printer}-`);
});

test("unpublishing, moving to a staff-only category, removing a language and deleting take an article's words back", async () => {
  const id = await save(null, category, 'published', 'Wobblegrommet care', 'Oil the wobblegrommet monthly.');
  const twin = await save(null, category, 'published', 'Wobblegrommet spares', 'Spare wobblegrommet parts.');
  expect(await termCount('wobblegrommet')).toBe(2);
  expect(await corrected('wobblegromet')).toBe(true);
  await save(id, category, 'draft', 'Wobblegrommet care', 'Oil the wobblegrommet monthly.');
  expect(await termCount('wobblegrommet')).toBe(1);
  await save(twin, category, 'draft', 'Wobblegrommet spares', 'Spare wobblegrommet parts.');
  expect(await termCount('wobblegrommet')).toBe(0);
  expect(await corrected('wobblegromet')).toBe(false);
  await save(id, category, 'published', 'Wobblegrommet care', 'Oil the wobblegrommet monthly.');
  expect(await termCount('wobblegrommet')).toBe(1);
  // A category turned staff-only: the job sees the category tree moved and takes the words back.
  const moving = await saveKbCategory(t.db, editor, null, { name: 'Soon internal' }, t.clock.now());
  const moved = await save(null, moving, 'published', 'Flumoxdrive', 'Flumoxdrive setup.');
  expect(await termCount('flumoxdrive')).toBe(1);
  await saveKbCategory(t.db, editor, moving, { name: 'Soon internal', staffOnly: 'yes' }, t.clock.now());
  while ((await syncStaleKbTerms(t.services)) > 0);
  expect(await termCount('flumoxdrive')).toBe(0);
  expect(await corrected('flumoxdrve')).toBe(false);
  // A removed language takes its own words only.
  await save(id, category, 'published', 'Wobblegrommet údržba', 'Naolejujte kvaknutie mesačne.', 'sk');
  expect(await termCount('kvaknutie')).toBe(1);
  await removeKbVersion(t.services, editor, id, 'sk', t.clock.now());
  expect([await termCount('kvaknutie'), await termCount('wobblegrommet')]).toEqual([0, 1]);
  // Deleted: the words and the article's source row go.
  await removeKbArticle(t.services, editor, id, t.clock.now());
  await removeKbArticle(t.services, editor, moved, t.clock.now());
  expect(await termCount('wobblegrommet')).toBe(0);
  expect(await t.db('kb_term_sources').whereIn('article_id', [id, moved]).select('article_id')).toEqual([]);
  expect(await syncStaleKbTerms(t.services)).toBe(0);
});

test('syncs running at once (after a save, the job in another process) count each article once', async () => {
  const add = (n: number) =>
    withTransaction(t.db, (trx) =>
      insertKbArticle(
        trx,
        { categoryId: category, status: 'published', pinned: false, position: 0 },
        {
          language: 'en',
          title: `Quintessor ${n}`,
          slug: `quintessor-${n}`,
          keywords: '',
          body: `Quintessor gasket number${n}.`,
        },
        null,
        t.clock.now(),
      ),
    );
  const [a, b] = [await add(1), await add(2)];
  await Promise.all([
    syncKbArticleTerms(t.db, a),
    syncKbArticleTerms(t.db, a),
    syncKbArticleTerms(t.db, b),
    syncStaleKbTerms(t.services),
    syncKbArticleTerms(t.db, b),
  ]);
  expect([await termCount('quintessor'), await termCount('gasket'), await termCount('number1')]).toEqual([2, 2, 1]);
  await t
    .db('kb_articles')
    .whereIn('id', [a, b])
    .update({ status: 'draft', updated_at: t.clock.now() + 5 });
  await Promise.all([
    syncKbArticleTerms(t.db, a),
    syncStaleKbTerms(t.services),
    syncKbArticleTerms(t.db, b),
    syncKbArticleTerms(t.db, a),
  ]);
  expect([await termCount('quintessor'), await termCount('gasket'), await termCount('number1')]).toEqual([0, 0, 0]);
  // Published again: the source rows exist now, so only their lock keeps two syncs of one article from both adding.
  await t
    .db('kb_articles')
    .whereIn('id', [a, b])
    .update({ status: 'published', updated_at: t.clock.now() + 10 });
  await Promise.all([
    syncKbArticleTerms(t.db, a),
    syncKbArticleTerms(t.db, a),
    syncStaleKbTerms(t.services),
    syncKbArticleTerms(t.db, a),
    syncKbArticleTerms(t.db, b),
  ]);
  expect([await termCount('quintessor'), await termCount('gasket'), await termCount('number1')]).toEqual([2, 2, 1]);
});
