import type { Browser, BrowserContext, Page } from 'playwright-core';
import request from 'supertest';
import { adminCredentials, installedApp, staffCredentials, type InstalledApp } from '../helpers/installed-app';
import { openTicket } from '../helpers/portal';
import { collectPageErrors, launchBrowser, screenshot, serve, signInAt, step } from './browser';

let t: InstalledApp;
let server: Awaited<ReturnType<typeof serve>>;
let browser: Browser;
const ticketIds: Record<string, number> = {};
const tracking: Record<string, string> = {};

beforeAll(async () => {
  t = await installedApp();
  server = await serve(t.app);
  browser = await launchBrowser();
  for (const subject of ['Laptop will not boot', 'Second laptop, same fault']) {
    tracking[subject] = await openTicket(t, request.agent(t.app), { subject });
    ticketIds[subject] = Number((await t.db('tickets').where({ tracking_id: tracking[subject] }).first('id')).id);
  }
  const sam = (await t.db('staff_users').where({ email: staffCredentials.email }).first('id')).id;
  await t.db('staff_categories').insert({ staff_id: sam, category_id: 1 });
  await t.db('staff_users').where({ email: adminCredentials.email }).update({ signature: 'Ada Admin\nAcme Support' });
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await t?.close();
});

const dashed = (id: string) => `${id.slice(0, 3)}-${id.slice(3, 6)}-${id.slice(6)}`;

async function staffPage(
  viewport: { width: number; height: number },
  creds: { email: string; password: string },
  url: string,
): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const errors = collectPageErrors(page);
  await signInAt(page, url, creds);
  return { context, page, errors };
}

test('due date, time spent, a related ticket, a restored draft, two people on one ticket, and the print view', async () => {
  const url = `${server.base}/admin/tickets/${ticketIds['Laptop will not boot']}`;
  const ada = await staffPage({ width: 1440, height: 900 }, adminCredentials, url);
  const page = ada.page;

  // Due date (typed in the desk's zone, UTC here) and the header that shows it.
  await page.locator('#due-box summary').click();
  await page.getByLabel('Due date and time').fill('2031-03-14T16:45');
  await page.getByRole('button', { name: 'Set due date' }).click();
  expect(await page.locator('.alert--success').first().textContent()).toContain('The due date was saved.');
  expect(await page.locator('.ticket-header .due time').getAttribute('datetime')).toBe('2031-03-14T16:45:00.000Z');

  // Time spent.
  await page.locator('#time-box summary').click();
  await page.getByLabel('Duration').fill('1h 15m');
  await page.getByLabel('What was done (optional)').fill('Reinstalled the boot loader');
  await page.locator('#time-box').getByRole('button', { name: 'Log time' }).click();
  expect(await page.locator('#time-box').textContent()).toContain('Total: 1 h 15 min');

  // A related ticket, by the tracking ID as a person types it.
  await page.locator('#links-box summary').click();
  await page
    .getByLabel('Tracking ID of the related ticket')
    .fill(dashed(tracking['Second laptop, same fault']!).toLowerCase());
  await page.getByRole('button', { name: 'Link ticket' }).click();
  expect(await page.locator('#links-box .link-list').textContent()).toContain('Second laptop, same fault');

  // A draft typed, saved by the script, and back after a reload.
  await page.getByLabel('Reply', { exact: true }).fill('Dear Carla, the laptop is ready');
  await page.locator('#draft-status', { hasText: 'Draft saved.' }).waitFor();
  await page.reload();
  expect(await page.getByLabel('Reply', { exact: true }).inputValue()).toBe('Dear Carla, the laptop is ready');
  expect(await page.locator('#draft-status').textContent()).toContain('Your saved draft was restored.');
  expect(await page.getByLabel('Add my signature').isChecked()).toBe(true);
  await step(page, 'ticket-extras-01-wide');

  // Sam opens the same ticket on his phone and starts a reply: Ada sees it.
  const sam = await staffPage({ width: 390, height: 844 }, staffCredentials, url);
  await sam.page.getByLabel('Reply', { exact: true }).fill('Hello Carla, Sam here');
  await sam.page.locator('#draft-status', { hasText: 'Draft saved.' }).waitFor();
  await page.reload();
  expect(await page.locator('#presence').textContent()).toContain('Sam Staff is writing a reply.');
  await page.locator('#presence', { hasText: 'Sam Staff is writing a reply.' }).waitFor();
  expect(await sam.page.locator('#presence').textContent()).toContain('Ada Admin is viewing this ticket.');
  await step(sam.page, 'ticket-extras-02-phone-presence');

  // Ada sends first; Sam's reply is held and shows him Ada's answer.
  await page.getByRole('button', { name: 'Send reply' }).click();
  expect(await page.locator('.alert[role="status"]').first().textContent()).toContain('Your reply was saved');
  await sam.page.getByRole('button', { name: 'Send reply' }).click();
  await sam.page.locator('#collision').waitFor();
  expect(await sam.page.locator('.message--new').textContent()).toContain('Dear Carla, the laptop is ready');
  expect(await sam.page.getByLabel('Reply', { exact: true }).inputValue()).toBe('Hello Carla, Sam here');
  await step(sam.page, 'ticket-extras-03-phone-collision');
  await sam.page.getByRole('button', { name: 'Send anyway' }).click();
  expect(await sam.page.locator('.alert[role="status"]').first().textContent()).toContain('Your reply was saved');
  const bodies = await t
    .db('messages')
    .where({ ticket_id: ticketIds['Laptop will not boot'], kind: 'staff' })
    .orderBy('id')
    .pluck('body');
  expect(bodies).toEqual(['Dear Carla, the laptop is ready\n\nAda Admin\nAcme Support', 'Hello Carla, Sam here']);
  await step(sam.page, 'ticket-extras-04-phone-after');

  // The print view, on screen and as printed, without notes.
  await page.reload();
  await page.getByRole('link', { name: 'Print without internal notes' }).click();
  await page.waitForURL('**/print?notes=no');
  expect(await page.locator('h1').textContent()).toBe('Laptop will not boot');
  expect(await page.locator('.topbar').count()).toBe(0);
  await step(page, 'ticket-extras-05-print-wide');
  await page.emulateMedia({ media: 'print' });
  expect(await page.locator('.print-page__tools').isVisible()).toBe(false);
  await screenshot(page, 'ticket-extras-06-print-media');
  await sam.page.goto(`${url}/print`);
  await step(sam.page, 'ticket-extras-07-print-phone');

  // The ticket page on a phone with all of it filled in.
  await sam.page.goto(url);
  await step(sam.page, 'ticket-extras-08-phone-ticket');

  expect(ada.errors).toEqual([]);
  expect(sam.errors).toEqual([]);
  await ada.context.close();
  await sam.context.close();
});
