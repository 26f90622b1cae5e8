import type { Browser } from 'playwright-core';
import request from 'supertest';
import { adminCredentials, type InstalledApp } from '../helpers/installed-app';
import { openTicket } from '../helpers/portal';
import { collectPageErrors, step, signInAt, useServedApp, type ServedApp } from './browser';

let t: InstalledApp;
let server: ServedApp['server'];
let browser: Browser;

useServedApp(async (served) => {
  ({ t, server, browser } = served);
  await openTicket(t, request.agent(t.app), {
    email: 'wanda@example.org',
    name: 'Wanda <b>Whistle</b>',
    subject: 'Delete my data please',
  });
  await openTicket(t, request.agent(t.app), {
    email: 'wanda@example.org',
    name: 'Wanda Whistle',
    subject: 'Second ticket',
  });
});

test.each([
  ['wide', { width: 1280, height: 900 }],
  ['phone', { width: 390, height: 844 }],
])('an admin bans a domain and anonymizes a customer (%s screen)', async (size, viewport) => {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const errors = collectPageErrors(page);
  await signInAt(page, `${server.base}/admin/manage`, adminCredentials);
  await step(page, `admin-manage-${size}`);

  await page.getByRole('link', { name: 'Bans' }).click();
  await page.selectOption('#kind', 'domain');
  await page.fill('#value', 'not a domain');
  await page.getByRole('button', { name: 'Add ban' }).click();
  expect(await page.locator('.error-summary').textContent()).toContain('Enter a domain like example.com');
  await step(page, `bans-${size}-01-error`);
  await page.fill('#value', `spam-${size}.example`);
  await page.fill('#reason', 'Floods us <script>x</script>');
  await page.getByRole('button', { name: 'Add ban' }).click();
  await page.waitForURL('**/admin/bans?done=added');
  expect(await page.locator('table').textContent()).toContain('Floods us <script>x</script>');
  await step(page, `bans-${size}-02-added`);

  await page.goto(`${server.base}/admin/customers`);
  await page.fill('#q', 'wanda@');
  await page.getByRole('button', { name: 'Find' }).click();
  await step(page, `customers-${size}-01-found`);
  await page.getByRole('link', { name: 'wanda@example.org' }).click();
  await step(page, `customers-${size}-02-customer`);
  if (size === 'phone') {
    await page.getByRole('button', { name: 'Anonymize customer' }).click();
    expect(await page.locator('.error-summary').textContent()).toContain('Tick the box to confirm');
    await page.getByLabel('I understand this cannot be undone').check();
    await page.getByRole('button', { name: 'Anonymize customer' }).click();
    await page.waitForURL('**?done=anonymized');
    expect(await page.locator('h1').textContent()).toBe('Anonymized customer');
    await step(page, `customers-${size}-03-anonymized`);
  }
  expect(errors).toEqual([]);
  await context.close();
});
