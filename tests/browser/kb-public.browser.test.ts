import type { BrowserContext } from 'playwright-core';
import { seedSmallKb } from '../helpers/kb-fixtures';
import { collectPageErrors, firstKbSuggestion, step, useServedApp, type ServedApp } from './browser';

let s: ServedApp;
let kb: Awaited<ReturnType<typeof seedSmallKb>>;
useServedApp(async (served) => {
  s = served;
  kb = await seedSmallKb(s.t.db);
});

test.each([
  ['wide', { width: 1280, height: 900 }],
  ['phone', { width: 390, height: 844 }],
])(
  'a customer searches the knowledge base from the home page, browses a topic, reads and votes (%s)',
  async (size, viewport) => {
    const context: BrowserContext = await s.browser.newContext({ viewport });
    const page = await context.newPage();
    const errors = collectPageErrors(page);

    await page.goto(`${s.server.base}/helpdesk`);
    await step(page, `kb-${size}-01-helpdesk-home`);
    await page.getByLabel('Search the knowledge base').fill('passw');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL('**/helpdesk/kb/search?q=passw');
    expect(await page.locator('.kb-result__title').first().innerHTML()).toBe('Reset your <mark>passw</mark>ord');
    await step(page, `kb-${size}-02-search`);

    await page.goto(`${s.server.base}/helpdesk/kb`);
    expect(await page.locator('body').textContent()).not.toContain('Upcoming price change');
    // A topic counts the articles of its sub-topics too.
    expect(await page.locator('.kb-categories').textContent()).toMatch(/Billing\s*1 article/);
    await step(page, `kb-${size}-03-kb-home`);
    await page
      .getByRole('link', { name: /Billing/ })
      .first()
      .click();
    await page.waitForURL(`**/helpdesk/kb/category/${kb.categories.billing}`);
    await page.getByRole('link', { name: /Invoices/ }).click();
    await page.waitForURL(`**/helpdesk/kb/category/${kb.categories.invoices}`);
    expect(await page.locator('.breadcrumbs').textContent()).toMatch(/Knowledge base\s*›\s*Billing\s*›\s*Invoices/);
    await step(page, `kb-${size}-04-category`);
    await page.getByRole('link', { name: 'Download an invoice as PDF' }).click();
    await page.waitForURL(`**/helpdesk/kb/${kb.articles.pdf}-download-invoice-pdf`);
    expect(await page.locator('.kb-article__body table').count()).toBe(1);
    await step(page, `kb-${size}-05-article`);
    await page.getByRole('button', { name: 'Yes' }).click();
    await page.waitForURL('**?voted=thanks#vote');
    expect(await page.locator('.kb-vote').textContent()).toContain('Thank you for your answer.');
    await step(page, `kb-${size}-06-voted`);
    await page.getByRole('link', { name: 'Print' }).click();
    await page.waitForURL('**/print');
    await step(page, `kb-${size}-07-print`);
    expect(errors).toEqual([]);
    await context.close();
  },
);

test('a Russian-speaking customer searches in Russian and reads the Russian version', async () => {
  const context = await s.browser.newContext({
    viewport: { width: 1280, height: 900 },
    locale: 'ru-RU',
    extraHTTPHeaders: { 'Accept-Language': 'ru' },
  });
  const page = await context.newPage();
  const errors = collectPageErrors(page);
  await page.goto(`${s.server.base}/helpdesk/kb`);
  await page.getByLabel('Поиск по базе знаний').fill('пароль');
  await page.getByRole('button', { name: 'Найти' }).click();
  await page.waitForURL(/\/helpdesk\/kb\/search\?q=/);
  // Endings trimmed: "пароль" asks for "парол*", so the title's "пароля" is found by its stem; the word as typed is marked where it stands whole.
  expect(await page.locator('.kb-result__title').first().innerHTML()).toBe('Сброс <mark>парол</mark>я');
  expect(await page.locator('.kb-result__snippet').first().innerHTML()).toContain('<mark>пароль</mark>');
  await step(page, 'kb-ru-01-search');
  await page.locator('.kb-result__title').first().click();
  await page.waitForURL(`**/helpdesk/kb/${kb.articles.reset}-sbros-parolya`);
  expect(await page.locator('h1').textContent()).toBe('Сброс пароля');
  await step(page, 'kb-ru-02-article');
  expect(errors).toEqual([]);
  await context.close();
});

test('a customer types the subject of a new ticket, sees the article that answers it, reads it and leaves', async () => {
  const context = await s.browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const errors = collectPageErrors(page);
  const suggestion = await firstKbSuggestion(page, s.server.base, 'I forgot my password');
  expect(await suggestion.textContent()).toBe('Reset your password');
  await step(page, 'kb-wide-08-suggestions');
  const [article] = await Promise.all([context.waitForEvent('page'), suggestion.click()]);
  await article.waitForLoadState();
  expect(await article.locator('h1').textContent()).toBe('Reset your password');
  const rows = await s.t
    .db('kb_suggestion_sessions')
    .whereNotNull('opened_at')
    .whereNull('submitted_at')
    .count({ n: '*' });
  expect(Number(rows[0]!.n)).toBe(1);
  expect(errors).toEqual([]);
  await context.close();
});
