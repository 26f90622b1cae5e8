import type { Browser } from 'playwright-core';
import { adminCredentials, installedApp, type InstalledApp } from '../helpers/installed-app';
import { collectPageErrors, launchBrowser, serve, step, signInAt } from './browser';

let t: InstalledApp;
let server: Awaited<ReturnType<typeof serve>>;
let browser: Browser;

beforeAll(async () => {
  t = await installedApp();
  server = await serve(t.app);
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await t?.close();
});

test.each([
  ['wide', { width: 1440, height: 900 }],
  ['phone', { width: 390, height: 844 }],
])(
  'an owner sets up a department, a required field and a status, and sees them on the form and a ticket (%s)',
  async (size, viewport) => {
    const context = await browser.newContext({ viewport, locale: 'en-GB' });
    const page = await context.newPage();
    const errors = collectPageErrors(page);
    const dept = size === 'wide' ? 'Returns' : 'Repairs';
    const deptSk = size === 'wide' ? 'Reklamácie' : 'Opravy';

    await signInAt(page, `${server.base}/admin/manage?lang=en`, adminCredentials);
    await page.getByRole('link', { name: 'Categories' }).click();
    await page.waitForURL('**/admin/categories');
    await step(page, `catalog-${size}-01-categories`);
    await page.getByRole('link', { name: 'Add a category' }).click();
    await page.getByLabel('English', { exact: true }).fill(dept);
    await page.getByLabel('Slovenčina').fill(deptSk);
    await page.getByLabel('Support tier').selectOption('2');
    await page.getByLabel('Due after (hours)').fill('48');
    await page.locator('label[for=auto_assign-round_robin]').click();
    await step(page, `catalog-${size}-02-category-form`);
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL('**/admin/categories?done=saved');
    expect(await page.locator('.catalog-table').textContent()).toContain('Tier 2');

    // A mistake first: the error summary leads to the field.
    await page.goto(`${server.base}/admin/fields/new`);
    await page.getByRole('button', { name: 'Save' }).click();
    expect(await page.locator('.error-summary').textContent()).toContain('Label (English)');
    await step(page, `catalog-${size}-03-field-error`);
    await page.getByLabel('English', { exact: true }).fill(`Order number (${size})`);
    await page.locator('label[for=requirement-required]').click();
    await page.locator('label[for=scope-some]').click();
    await page.getByLabel(dept, { exact: true }).check();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL('**/admin/fields?done=saved');
    await step(page, `catalog-${size}-04-fields`);

    await page.goto(`${server.base}/admin/statuses`);
    await page.getByLabel('English', { exact: true }).fill(`Awaiting parts ${size}`);
    await page.getByLabel('Colour').fill('#0f766e');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL('**/admin/statuses?done=saved');
    await step(page, `catalog-${size}-05-statuses`);

    // The customer form in Slovak offers the department by its Slovak name, with the field.
    const customer = await browser.newContext({ viewport });
    const form = await customer.newPage();
    const customerErrors = collectPageErrors(form);
    await form.goto(`${server.base}/helpdesk/tickets/new?lang=sk`);
    const category = await t.db('categories').where({ name: dept }).first('id');
    const field = await t
      .db('custom_fields')
      .where({ label: `Order number (${size})` })
      .first('id');
    expect(await form.locator('#category option', { hasText: deptSk }).count()).toBe(1);
    await form.selectOption('#category', String(category.id));
    await form.fill('#name', 'Jana Nováková');
    await form.fill('#email', `jana-${size}@example.net`);
    await form.fill('#subject', 'Pokazený mixér');
    await form.fill('#message', 'Mixér po týždni prestal fungovať.');
    await form.fill(`#field_${field.id}`, 'OBJ-2026-118');
    await step(form, `catalog-${size}-06-helpdesk-form-sk`);
    t.clock.advance(5000);
    await form.locator('button[type=submit]').click();
    await form.waitForURL(/\/created$/);
    expect(customerErrors).toEqual([]);
    await customer.close();

    // Staff see it on the ticket and give it the new status; the badge carries its colour.
    const ticket = await t.db('tickets').where({ category_id: category.id }).first('id', 'tier', 'due_at');
    expect(Number(ticket.tier)).toBe(2);
    expect(ticket.due_at).not.toBeNull();
    await page.goto(`${server.base}/admin/tickets/${ticket.id}`);
    expect(await page.locator('body').textContent()).toContain('OBJ-2026-118');
    // The side column's form; on a phone the action bar above the conversation (the side column hides its twins there).
    const props = page.locator(size === 'phone' ? '.ticket-bar__form' : '.ticket-side');
    await props.getByLabel('Status', { exact: true }).selectOption({ label: `Awaiting parts ${size}` });
    await props.getByRole('button', { name: 'Save changes' }).click();
    await page.waitForURL(/done=saved/);
    const badge = page.locator('.ticket-header .badge').first();
    expect(await badge.textContent()).toContain(`Awaiting parts ${size}`);
    const colour = await badge.evaluate((el) => getComputedStyle(el).color);
    expect(colour).not.toBe(await page.locator('.ticket-header__subject').evaluate((el) => getComputedStyle(el).color));
    await step(page, `catalog-${size}-07-ticket`);
    expect(errors).toEqual([]);
    await context.close();
  },
);
