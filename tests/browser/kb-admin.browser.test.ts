import { adminCredentials } from '../helpers/installed-app';
import { seedSmallKb } from '../helpers/kb-fixtures';
import { collectPageErrors, signInAt, step, useServedApp, type ServedApp } from './browser';

let s: ServedApp;
useServedApp(async (served) => {
  s = served;
  await seedSmallKb(s.t.db);
});

test.each([
  ['wide', { width: 1280, height: 900 }],
  ['phone', { width: 390, height: 844 }],
])('an administrator writes an article, previews it and publishes it (%s)', async (size, viewport) => {
  const context = await s.browser.newContext({ viewport });
  const page = await context.newPage();
  const errors = collectPageErrors(page);
  await signInAt(page, `${s.server.base}/admin/kb`, adminCredentials);
  expect(await page.locator('h1').textContent()).toBe('Knowledge base');
  await step(page, `kb-admin-${size}-01-list`);

  await page.getByRole('link', { name: 'New article' }).first().click();
  await page.waitForURL('**/admin/kb/articles/new');
  await page.getByLabel('Category', { exact: true }).selectOption({ label: 'Your account' });
  await page.getByLabel('Title', { exact: true }).fill(`Two-factor sign-in (${size})`);
  await page
    .getByLabel('Text', { exact: true })
    .fill('## Turn it on\n\nOpen your **profile** and scan the code.\n\n- Keep the recovery codes\n- Print them');
  await page.getByRole('button', { name: 'Preview' }).click();
  await page.waitForLoadState();
  expect(await page.locator('.kb-article__body h2').textContent()).toBe('Turn it on');
  await step(page, `kb-admin-${size}-02-preview`);

  await page.getByLabel('Status', { exact: true }).selectOption('published');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.waitForURL(/\/admin\/kb\/articles\/\d+\?lang=en&done=saved$/);
  expect(await page.locator('.alert--success').textContent()).toContain('The article is saved.');
  await step(page, `kb-admin-${size}-03-saved`);

  await page.goto(`${s.server.base}/helpdesk/kb/search?q=${encodeURIComponent('two-factor ' + size)}`);
  expect(await page.locator('.kb-result__title').first().textContent()).toBe(`Two-factor sign-in (${size})`);
  expect(errors).toEqual([]);
  await context.close();
});
