import type { Knex } from 'knex';
import { migrateLatest } from '../../src/db/migrate';
import { withTransaction } from '../../src/db/transaction';
import { insertKbCategory } from '../../src/kb/kb-categories.repo';
import { insertKbArticle, upsertKbVersion } from '../../src/kb/kb-articles.repo';
import type { KbStatus } from '../../src/kb/kb.schema';
import { customerScope, searchKb } from '../../src/kb/kb-search.service';
import { useEmptyDatabase } from '../helpers/test-db';

let db: Knex;
let publicCat: number;
let staffCat: number;
let childOfStaff: number;
const ids: Record<string, number> = {};

async function article(
  name: string,
  category: number,
  v: { title: string; keywords?: string; body: string; language?: string },
  status: KbStatus = 'published',
) {
  ids[name] = await withTransaction(db, (trx) =>
    insertKbArticle(
      trx,
      { categoryId: category, status, pinned: false, position: 0 },
      { language: v.language ?? 'en', title: v.title, slug: name, keywords: v.keywords ?? '', body: v.body },
      null,
      1000,
    ),
  );
}

useEmptyDatabase(async (created) => {
  db = created;
  await migrateLatest(db);
  publicCat = await insertKbCategory(db, { parentId: null, name: 'Help', position: 0, public: true }, 1);
  staffCat = await insertKbCategory(db, { parentId: null, name: 'Internal', position: 1, public: false }, 1);
  childOfStaff = await insertKbCategory(
    db,
    { parentId: staffCat, name: 'Internal child', position: 0, public: true },
    1,
  );
  // The ranking set: each query below has one article that should come first.
  await article('keyword', publicCat, {
    title: 'Account basics',
    keywords: 'invoice billing',
    body: 'How the account page works. Nothing about money here.',
  });
  await article('title', publicCat, {
    title: 'Downloading an invoice as PDF',
    body: 'Open the page and press the button.',
  });
  await article('body', publicCat, {
    title: 'Monthly statements',
    body: 'Your statement lists every invoice of the month and every payment received, with dates.',
  });
  await article('printer', publicCat, {
    title: 'Printer setup',
    body: 'Connect the printer cable, then install the driver from the vendor page.',
  });
  await article('password', publicCat, {
    title: 'Reset your password',
    keywords: 'login forgot',
    body: 'Use the link on the sign-in page to get a new password by e-mail.',
  });
  await article('passwordBody', publicCat, {
    title: 'Security tips',
    body: 'Choose a long password. A password manager helps. Never share your password.',
  });
  await article('slovak', publicCat, {
    title: 'Obnovenie hesla',
    keywords: 'prihlásenie',
    body: 'Ako si obnoviť heslo a znovu sa prihlásiť do účtu.',
    language: 'sk',
  });
  await article('russian', publicCat, {
    title: 'Сброс пароля',
    keywords: 'вход',
    body: 'Как сбросить пароль и снова войти в учётную запись.',
    language: 'ru',
  });
  await article('hungarian', publicCat, {
    title: 'Jelszó visszaállítása',
    body: 'Így állíthatja vissza a jelszavát, és léphet be újra.',
    language: 'hu',
  });
  await article('latvian', publicCat, {
    title: 'Paroles atiestatīšana',
    body: 'Kā atiestatīt paroli un atkal pieteikties kontā.',
    language: 'lv',
  });
  await article(
    'draft',
    publicCat,
    { title: 'Secret roadmap invoice', body: 'Draft text about the invoice roadmap.' },
    'draft',
  );
  await article('private', publicCat, { title: 'Private invoice procedure', body: 'Only for staff.' }, 'private');
  await article('staffOnly', staffCat, { title: 'Internal invoice handbook', body: 'Staff only category.' });
  await article('underStaff', childOfStaff, {
    title: 'Nested invoice secret',
    body: 'Public category below a staff-only one.',
  });
  // A Russian version of the printer article: Russian visitors see it, others the English one.
  await upsertKbVersion(
    db,
    ids.printer!,
    {
      language: 'ru',
      title: 'Настройка принтера',
      slug: 'printer-ru',
      keywords: '',
      body: 'Подключите кабель принтера и установите драйвер.',
    },
    2000,
  );
});

const search = async (query: string, language = 'en') =>
  searchKb(db, await customerScope(db, language, 'en'), query, { limit: 20, offset: 0 });
const order = async (query: string, language = 'en') =>
  (await search(query, language)).results.map((r) => Object.entries(ids).find(([, id]) => id === r.articleId)?.[0]);

test('keywords rank above the title, the title above the body', async () => {
  expect(await order('invoice')).toEqual(['keyword', 'title', 'body']);
  expect((await order('password')).slice(0, 2)).toEqual(['password', 'passwordBody']);
  expect((await order('printer driver'))[0]).toBe('printer');
});

test('each word matches as a prefix while typing, and every word must match when one article has them all', async () => {
  expect((await order('invo'))[0]).toBe('keyword');
  expect((await order('print'))[0]).toBe('printer');
  expect((await order('pass rese'))[0]).toBe('password');
  const page = await search('printer cable');
  expect(page.mode).toBe('all');
  expect(page.results.map((r) => r.articleId)).toEqual([ids.printer]);
});

test('when no article has every word, those with any of them are offered', async () => {
  const page = await search('printer invoicezz');
  expect(page.mode).toBe('any');
  expect(page.results.map((r) => r.articleId)).toContain(ids.printer);
});

test('diacritics are optional and Cyrillic is found, in the visitor language with the default as fallback', async () => {
  expect((await order('prihlasenie', 'sk'))[0]).toBe('slovak');
  expect((await order('obnovit hesl', 'sk'))[0]).toBe('slovak');
  expect((await order('jelszo', 'hu'))[0]).toBe('hungarian');
  expect((await order('atiestatisana', 'lv'))[0]).toBe('latvian');
  expect((await order('пароль', 'ru'))[0]).toBe('russian');
  expect((await order('СБРОС', 'ru'))[0]).toBe('russian');
  expect((await order('учетную', 'ru'))[0]).toBe('russian');
  // The Russian visitor finds the printer in Russian; an English word finds English-only articles.
  expect(await order('принтер', 'ru')).toEqual(['printer']);
  expect((await search('printer', 'ru')).results).toEqual([]);
  expect((await order('invoice', 'ru'))[0]).toBe('keyword');
});

test('drafts, private articles and staff-only categories (with all below them) are never found', async () => {
  const found = await order('invoice secret roadmap handbook procedure nested');
  for (const hidden of ['draft', 'private', 'staffOnly', 'underStaff']) expect(found).not.toContain(hidden);
  expect(await order('roadmap')).toEqual([]);
});

test('snippets and titles are escaped, with the matched words marked', async () => {
  await article('hostile', publicCat, {
    title: '<script>alert(1)</script> Webhook guide',
    body: 'Set the <img src=x onerror=alert(1)> **webhook** URL in the [settings](javascript:alert(1)).',
  });
  const [hit] = (await search('webhook')).results;
  expect(hit!.titleHtml).toBe('&#60;script&#62;alert(1)&#60;/script&#62; <mark>Webhook</mark> guide');
  expect(hit!.snippetHtml).not.toMatch(/<(?!\/?mark>)/);
  expect(hit!.snippetHtml).toContain('<mark>webhook</mark>');
});

test.each(
  [
    `'; DROP TABLE kb_articles; --`,
    `" OR 1=1 --`,
    `+invoice -account *"`,
    `invoice*`,
    `~invoice @3 <printer> (a OR b)`,
    `"unbalanced quote`,
    `NEAR(invoice printer) AND OR NOT`,
    `invoice:* & !x | y <-> z`,
    `\\ % _ ^ $ { } [ ]`,
    `ab`,
    `the a to`,
    'x'.repeat(5000),
    '',
    '   ',
    '\u0000\u202e',
    '🙂 invoice',
  ].map((q) => [JSON.stringify(q).slice(0, 40), q]),
)('a hostile or odd search never errors: %s', async (_label, query) => {
  await expect(search(query)).resolves.toEqual(expect.objectContaining({ results: expect.any(Array) }));
});

test('operators typed in a search are words, not syntax', async () => {
  expect((await order('+invoice -account'))[0]).toBe('keyword');
  expect((await order('"invoice'))[0]).toBe('keyword');
});
