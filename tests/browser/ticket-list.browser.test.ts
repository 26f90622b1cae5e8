import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import { adminCredentials, installedApp, type InstalledApp } from '../helpers/installed-app';
import { openTicket } from '../helpers/portal';
import { addTags } from '../../src/tags/tags.service';
import { findTicketByTrackingId } from '../../src/tickets/tickets.repo';
import { collectPageErrors, launchBrowser, serve, step, signInAt } from './browser';

let t: InstalledApp;
let server: Awaited<ReturnType<typeof serve>>;
let browser: Browser;
const day = 24 * 3600_000;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

beforeAll(async () => {
  t = await installedApp();
  server = await serve(t.app);
  browser = await launchBrowser();
  const subjects = [
    'Scanner offline',
    'Scanner still offline',
    'Invoice address wrong',
    'Password reset mail missing',
    'Old printer question',
  ];
  for (const subject of subjects) {
    const tracking = await openTicket(t, request.agent(t.app), {
      subject,
      name: subject.startsWith('Invoice') ? 'Olga Accountant' : 'Carla Customer',
      email: subject.startsWith('Invoice') ? 'olga@example.org' : 'carla@example.net',
    });
    const ticket = (await findTicketByTrackingId(t.db, tracking))!;
    if (subject.startsWith('Scanner'))
      await addTags(t.services, ticket, { id: 1, name: 'Ada Admin', isAdmin: true, capabilities: [] }, ['hardware']);
    if (subject.startsWith('Old'))
      await t
        .db('tickets')
        .where({ id: ticket.id })
        .update({ created_at: t.clock.now() - 60 * day, updated_at: t.clock.now() - 50 * day });
    if (subject.startsWith('Password'))
      await t
        .db('tickets')
        .where({ id: ticket.id })
        .update({ due_at: t.clock.now() - 3600_000 });
    t.clock.advance(60_000);
  }
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await t?.close();
});

const rowCount = (page: Page) => page.locator('.ticket-table tbody tr').count();

test('the ticket list: filter by date and tag, choose columns, save a view, bulk-merge, a new ticket for a caller, the shortcuts overlay', async () => {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  const errors = collectPageErrors(page);
  await signInAt(page, `${server.base}/admin/login`, adminCredentials);
  await step(page, 'list-01-dashboard');
  expect(await page.locator('.queue', { hasText: 'Overdue' }).locator('.queue__count').textContent()).toBe('1');

  await page.getByRole('link', { name: 'Tickets', exact: true }).click();
  expect(await rowCount(page)).toBe(5);
  // Filter by tag (the suggestions list offers it) and by creation date, both behind "Filters".
  const moreFilters = () => page.locator('.list-filters__more > summary').click();
  await moreFilters();
  await page.getByLabel('Tag', { exact: true }).fill('hardware');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  expect(await rowCount(page)).toBe(2);
  expect(await page.locator('.active-filters').textContent()).toContain('Tag: hardware');
  await moreFilters();
  await page.getByLabel('Tag', { exact: true }).fill('');
  await page.getByLabel('Created until').fill(isoDay(t.clock.now() - 30 * day));
  await page.getByRole('button', { name: 'Apply filters' }).click();
  expect(await rowCount(page)).toBe(1);
  expect(await page.locator('.ticket-table').textContent()).toContain('Old printer question');
  // A browser's date field sends only real dates; a hand-edited address is answered beside the field.
  await page.goto(`${server.base}/admin/tickets?created_to=2026-02-31`);
  expect(await page.locator('.error-summary').textContent()).toContain('Enter a date like 2026-03-31.');
  await step(page, 'list-02-date-error');

  // Choose columns: the last replier and due date, without the category.
  await page.goto(`${server.base}/admin/tickets`);
  await page.locator('summary', { hasText: 'Columns' }).click();
  const chooser = page.locator('.list-side__columns');
  await chooser.getByLabel('Last replier').check();
  await chooser.getByLabel('Due date').check();
  await chooser.getByLabel('Category', { exact: true }).uncheck();
  await page.getByRole('button', { name: 'Save columns' }).click();
  expect(await page.locator('.alert--success').textContent()).toContain('Your columns were saved.');
  expect(await page.locator('.ticket-table thead').textContent()).toContain('Last replier');
  expect(await page.locator('.ticket-table thead').textContent()).not.toContain('Category');

  // Save the tag filter as a view and open it from the side.
  await page.goto(`${server.base}/admin/tickets?tag=hardware`);
  await page.locator('summary', { hasText: 'Save this list as a view' }).click();
  await page.getByLabel('Name of the view').fill('Hardware queue');
  await page.getByLabel('Share with all staff').check();
  await page.getByRole('button', { name: 'Save view' }).click();
  expect(await page.locator('h1').textContent()).toBe('Hardware queue');
  await page.goto(`${server.base}/admin/tickets`);
  await page.locator('.view-list').getByRole('link', { name: 'Hardware queue', exact: true }).click();
  expect(await rowCount(page)).toBe(2);
  await step(page, 'list-03-saved-view');

  // Bulk-merge the two scanner tickets into the oldest.
  for (const subject of ['Scanner offline', 'Scanner still offline'])
    await page.locator('tr', { hasText: subject }).locator('input[type="checkbox"]').check();
  await page.getByLabel('With the ticked tickets').selectOption('merge');
  await page.getByRole('button', { name: 'Apply', exact: true }).click();
  await step(page, 'list-04-merge-confirm');
  await page.getByRole('button', { name: 'Merge 2 tickets' }).click();
  expect(await page.locator('.alert--success').textContent()).toContain('The tickets were merged.');
  expect(await page.locator('#ticket-subject').textContent()).toBe('Scanner offline');
  expect(await page.locator('#tags').textContent()).toContain('hardware');

  // A caller: a new ticket typed by staff, not mailed, assigned to me.
  await page.goto(`${server.base}/admin/tickets`);
  await page.getByRole('link', { name: 'New ticket' }).click();
  await page.getByLabel("Customer's e-mail address").fill('caller@example.org');
  await page.getByLabel("Customer's name").fill('Cal Caller');
  await page.getByLabel('Subject').fill('Phoned about a broken keyboard');
  await page.getByLabel('What the customer asked').fill('Keys stick since Monday.');
  await page.getByLabel('No, do not e-mail them now').check();
  await page.getByLabel('Assign the ticket to me').check();
  await step(page, 'list-05-new-ticket');
  await page.getByRole('button', { name: 'Create ticket' }).click();
  expect(await page.locator('#ticket-subject').textContent()).toBe('Phoned about a broken keyboard');
  await page.getByLabel('Add tags').fill('phone, keyboard');
  await page.locator('#tags').getByRole('button', { name: 'Add', exact: true }).click();
  expect(await page.locator('#tags .tag-list').textContent()).toContain('keyboard');
  await step(page, 'list-06-ticket-tags');

  // Keyboard: ? opens the overlay, Escape closes it; j/k move, o opens; nothing fires while typing.
  await page.goto(`${server.base}/admin/tickets`);
  await page.keyboard.press('?');
  const dialog = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
  await dialog.waitFor({ state: 'visible' });
  await step(page, 'list-07-shortcuts');
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'hidden' });
  await page.keyboard.press('j');
  await page.keyboard.press('j');
  await page.keyboard.press('k');
  expect(await page.locator('tr.is-current').count()).toBe(1);
  const href = await page.locator('tr.is-current').getAttribute('data-href');
  await page.keyboard.press('o');
  await page.waitForURL(`**${href}`);
  await page.keyboard.press('r');
  expect(await page.evaluate(() => document.activeElement?.id)).toBe('message');
  await page.keyboard.type('?jk');
  expect(await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).isVisible()).toBe(false);
  expect(await page.locator('#message').inputValue()).toBe('?jk');
  await page.locator('#message').fill('');
  await page.locator('#message').blur();
  await page.keyboard.press('/');
  await page.waitForURL('**/admin/tickets#q');
  expect(await page.evaluate(() => document.activeElement?.id)).toBe('q');
  expect(errors).toEqual([]);
  await context.close();
}, 300_000); // a long walk: allow for a loaded machine

test('the list on a phone: one column, the views and columns below the list', async () => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const page = await context.newPage();
  const errors = collectPageErrors(page);
  await signInAt(page, `${server.base}/admin/tickets`, adminCredentials);
  await step(page, 'list-08-phone');
  await page.goto(`${server.base}/admin`);
  await step(page, 'list-09-phone-dashboard');
  await page.goto(`${server.base}/admin/tickets/new`);
  await step(page, 'list-10-phone-new-ticket');
  expect(errors).toEqual([]);
  await context.close();
});

test('every column sorts from its header: a click sorts descending, the next ascending, announced by aria-sort', async () => {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  const errors = collectPageErrors(page);
  await signInAt(page, `${server.base}/admin/login`, adminCredentials);
  await page.goto(
    `${server.base}/admin/tickets?cols=tracking,subject,customer,category,tier,status,priority,owner,updated,created,replier,due,tags`,
  );
  const header = (name: string) =>
    page.locator('.ticket-table thead th', { has: page.getByRole('link', { name, exact: false }) });
  expect(await page.locator('.ticket-table thead a.sort-link').count()).toBe(12);
  const subjects = async () =>
    (await page.locator('.ticket-table tbody td.ticket-table__subject a').allTextContents()).map((s) => s.trim());
  const caseless = (list: string[]) =>
    [...list].sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : a.toLowerCase() > b.toLowerCase() ? 1 : 0));
  await header('Subject').getByRole('link').click();
  // The first click on a column sorts it descending (like the other sortable columns), the next ascending.
  await expect_(header('Subject'), 'descending');
  expect(await subjects()).toEqual(caseless(await subjects()).reverse());
  await header('Subject').getByRole('link').click();
  await expect_(header('Subject'), 'ascending');
  expect(await subjects()).toEqual(caseless(await subjects()));
  await step(page, 'list-sort-subject');
  for (const name of ['Customer', 'Category', 'Status', 'Owner', 'Last replier', 'Tracking ID', 'Tier']) {
    await header(name).getByRole('link').click();
    await expect_(header(name), 'descending');
    expect(await page.locator('.ticket-table thead th[aria-sort]').count()).toBe(1);
  }
  expect(errors).toEqual([]);
  await context.close();

  async function expect_(th: ReturnType<typeof header>, sort: 'ascending' | 'descending') {
    await page.waitForLoadState();
    expect(await th.getAttribute('aria-sort')).toBe(sort);
  }
});
