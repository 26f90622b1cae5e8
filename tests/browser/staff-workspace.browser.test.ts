import type { Browser } from 'playwright-core';
import request from 'supertest';
import { adminCredentials, installedApp, type InstalledApp } from '../helpers/installed-app';
import { openTicket } from '../helpers/portal';
import { collectPageErrors, launchBrowser, serve, step, signInAt } from './browser';

let t: InstalledApp;
let server: Awaited<ReturnType<typeof serve>>;
let browser: Browser;

beforeAll(async () => {
  t = await installedApp();
  server = await serve(t.app);
  browser = await launchBrowser();
  for (const subject of ['Cannot log in', 'Invoice question about licences', 'Printer on fire'])
    await openTicket(t, request.agent(t.app), { subject });
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await t?.close();
});

test.each([
  ['wide', { width: 1440, height: 900 }],
  ['phone', { width: 390, height: 844 }],
])('staff work a ticket: list, open, note, reply with a status (%s)', async (size, viewport) => {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const errors = collectPageErrors(page);
  await signInAt(page, `${server.base}/admin/tickets`, adminCredentials);
  expect(await page.locator('.ticket-table tbody tr').count()).toBeGreaterThanOrEqual(3);
  await step(page, `staff-${size}-01-list`);

  await page.getByRole('link', { name: 'Printer on fire' }).first().click();
  await page.waitForURL(/\/admin\/tickets\/\d+$/);
  await step(page, `staff-${size}-02-ticket`);
  await page.getByLabel('Note', { exact: true }).fill('Checked the logs: the fuser overheats.');
  await page.getByRole('button', { name: 'Add note' }).click();
  expect(await page.locator('.alert--success').textContent()).toContain('The note was added.');
  await page.getByLabel('Reply', { exact: true }).fill('Please unplug the printer; a technician is on the way.');
  await page.getByLabel('Then set status to').selectOption('waiting');
  await page.getByRole('button', { name: 'Send reply' }).click();
  // The notice says what became of the mail (this desk logs mail to a file): never 'sent'.
  expect(await page.locator('.alert', { hasText: 'Your reply was saved' }).count()).toBe(1);
  expect(await page.locator('.message--note').count()).toBeGreaterThanOrEqual(1);
  await step(page, `staff-${size}-03-after-reply`);
  await page.goto(`${server.base}/admin/canned`);
  await page.getByLabel('Title').fill('Opening hours');
  await page.getByLabel('Text').fill('Hello {{customer_name}}, we are open 8-17.');
  await page.getByRole('button', { name: 'Save response' }).click();
  expect(await page.locator('.alert--success').textContent()).toContain('The response was saved.');
  await step(page, `staff-${size}-04-canned`);
  expect(errors).toEqual([]);
  await context.close();
});
