import type { Browser } from 'playwright-core';
import request from 'supertest';
import { adminCredentials, installedApp, type InstalledApp } from '../helpers/installed-app';
import { openTicket } from '../helpers/portal';
import { collectPageErrors, launchBrowser, serve, step, signInAt } from './browser';

let t: InstalledApp;
let server: Awaited<ReturnType<typeof serve>>;
let browser: Browser;
const tracking: Record<string, string> = {};

beforeAll(async () => {
  t = await installedApp();
  server = await serve(t.app);
  browser = await launchBrowser();
  const now = t.clock.now();
  await t.db('categories').insert({
    name: 'Second line',
    tier: 2,
    is_public: false,
    sort_order: 1,
    is_active: true,
    created_at: now,
    updated_at: now,
  });
  const second = (await t.db('categories').where({ name: 'Second line' }).first('id')).id;
  await t.db('categories').where({ id: 1 }).update({ escalate_to_id: second });
  await t.db('canned_responses').insert({
    title: 'Restart advice',
    body: 'Hello {{customer_name}}, please restart the router ({{tracking_id}}).',
    folder: 'Network',
    owner_staff_id: null,
    created_at: now,
    updated_at: now,
  });
  for (const subject of [
    'Router keeps rebooting',
    'Router still rebooting',
    'Printer jammed',
    'Old question',
    'Database error',
  ]) {
    tracking[subject] = await openTicket(t, request.agent(t.app), { subject });
  }
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await t?.close();
});

test('a staff member works through the day: search, canned reply, note, take, escalate, merge, bulk-close', async () => {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  const errors = collectPageErrors(page);
  await signInAt(page, `${server.base}/admin/login`, adminCredentials);
  await step(page, 'day-01-dashboard');

  await page.getByRole('link', { name: 'Tickets', exact: true }).click();
  await page.getByLabel('Search').fill('rebooting');
  await page.getByRole('button', { name: 'Search', exact: true }).click(); // the search box's own button (the other filters fold away)
  expect(await page.locator('.ticket-table tbody tr').count()).toBe(2);
  await step(page, 'day-02-search');

  await page.getByRole('link', { name: 'Router keeps rebooting' }).click();
  await page.getByLabel('Insert a canned response').fill('restart router');
  await page.getByRole('button', { name: 'Insert', exact: true }).click();
  const reply = await page.getByLabel('Reply', { exact: true }).inputValue();
  expect(reply).toBe(
    `Hello Carla Customer, please restart the router (${tracking['Router keeps rebooting']!.slice(0, 3)}-${tracking['Router keeps rebooting']!.slice(3, 6)}-${tracking['Router keeps rebooting']!.slice(6)}).`,
  );
  await page.getByRole('button', { name: 'Send reply' }).click();
  await page.getByLabel('Note', { exact: true }).fill('Customer has the old router model.');
  await page.getByRole('button', { name: 'Add note' }).click();
  await page.getByRole('button', { name: 'Take this ticket' }).click();
  expect(await page.locator('.alert--success').textContent()).toContain('The ticket is now yours.');
  await step(page, 'day-03-ticket-worked');

  // Merge the duplicate into the first ticket.
  await page.goto(`${server.base}/admin/tickets?q=${encodeURIComponent('Router still')}&status=new`);
  await page.getByRole('link', { name: 'Router still rebooting' }).click();
  await page.locator('summary', { hasText: 'Merge into another ticket' }).click();
  await page.getByLabel('Tracking ID of the ticket to keep').fill(tracking['Router keeps rebooting']!);
  await page.getByLabel('Yes, merge this ticket').check();
  await page.getByRole('button', { name: 'Merge', exact: true }).click();
  expect(await page.locator('.alert--success').textContent()).toContain('The tickets were merged.');
  expect(await page.locator('.message').count()).toBeGreaterThanOrEqual(4);
  await step(page, 'day-04-merged');

  // Escalate the database error to the second line.
  await page.goto(`${server.base}/admin/tickets?q=Database`);
  await page.getByRole('link', { name: 'Database error' }).click();
  await page.locator('summary', { hasText: 'Escalate to the next tier' }).click();
  await page.getByLabel('Why does it need the next tier?').fill('Needs a database specialist.');
  await page.getByRole('button', { name: 'Escalate', exact: true }).click();
  expect(await page.locator('.alert--success').textContent()).toContain('The ticket was escalated.');
  expect(await page.locator('#category').inputValue()).not.toBe('1');

  // Bulk-close the two small ones.
  await page.goto(`${server.base}/admin/tickets`);
  for (const subject of ['Printer jammed', 'Old question']) {
    await page.locator('tr', { hasText: subject }).locator('input[type="checkbox"]').check();
  }
  await page.getByLabel('With the ticked tickets').selectOption('status');
  await page.getByLabel('Set to').selectOption('status:closed');
  await page.getByRole('button', { name: 'Apply', exact: true }).click();
  expect(await page.locator('.alert--success').textContent()).toContain('The ticked tickets were updated.');
  expect(await page.locator('.ticket-table').textContent()).not.toContain('Printer jammed');
  await step(page, 'day-05-bulk-closed');
  expect(errors).toEqual([]);
  await context.close();
}, 300_000); // a long walk: allow for a loaded machine
