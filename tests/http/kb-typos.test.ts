import request from 'supertest';
import { withTransaction } from '../../src/db/transaction';
import { insertKbArticle, upsertKbVersion } from '../../src/kb/kb-articles.repo';
import { insertKbCategory } from '../../src/kb/kb-categories.repo';
import { useInstalledApp, type InstalledApp } from '../helpers/installed-app';

let t: InstalledApp;
const ids: Record<string, number> = {};
useInstalledApp((app) => (t = app));

beforeAll(async () => {
  const category = await insertKbCategory(t.db, { parentId: null, name: 'Accounts', position: 0, public: true }, 1);
  const add = async (name: string, title: string, body: string, keywords = '') => {
    ids[name] = await withTransaction(t.db, (trx) => insertKbArticle(trx, { categoryId: category, status: 'published', pinned: false, position: 0 }, { language: 'en', title, slug: name, keywords, body }, null, t.clock.now()));
  };
  await add('password', 'Reset your password', 'Open the sign-in page and choose Forgot password.', 'login');
  await add('install', 'Installation guide', 'Upload the release and open the wizard.');
  await add('printer', 'Printer queue stuck', 'Restart the spooler service.');
  const version = (id: number, language: string, title: string, body: string) => upsertKbVersion(t.db, id, { language, title, slug: `v-${language}`, keywords: '', body }, t.clock.now());
  await version(ids.password!, 'ru', 'Как сменить пароль', 'Откройте страницу входа и нажмите «Забыли пароль».');
  await version(ids.password!, 'sk', 'Obnovenie hesla', 'Zabudnuté heslo obnovíte na stránke prihlásenia.');
  await version(ids.password!, 'hu', 'Jelszó visszaállítása', 'Az elfelejtett jelszó a bejelentkezési oldalon állítható vissza.');
  await version(ids.password!, 'lv', 'Paroles maiņa', 'Aizmirstu paroli var atjaunot pieteikšanās lapā.');
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
  expect((suggest.body.articles as Array<{ href: string }>).map((a) => a.href)).toEqual([`/helpdesk/kb/${ids.password}-password?ref=suggest`]);
});

test('the vocabulary grows with every saved version, and hostile searches are only words', async () => {
  expect(await t.db('kb_terms').where({ term: 'spooler' }).first('term', 'reversed', 'length')).toEqual({ term: 'spooler', reversed: 'reloops', length: 7 });
  expect(await t.db('kb_terms').where({ term: 'пароль' }).first('term')).toBeTruthy();
  expect(await t.db('kb_terms').where({ term: 'zabudnute' }).first('term')).toBeTruthy(); // folded
  const hostile = [`pasword' OR 1=1 --`, `"pasword"* NEAR(x)`, `pass%word_`, `*`, `\\`, `'); DROP TABLE kb_terms; --`, `pas[sw]ord`, 'pas?word', 'x'.repeat(600), 'ﬁle\u0301 ё̈', '+-~<>()"@'];
  for (const q of hostile) await search(q, 'en');
  expect(await t.db('kb_terms').where({ term: 'spooler' }).first('term')).toBeTruthy();
  // Wildcards typed into a word are dropped with every operator: "pass%word_" searches "pass" and "word".
  expect((await search('pas%ord', 'en')).text).not.toContain('showing results for');
});
